import {
  functionArn,
  taskDocumentId,
  type AcceptedTaskMessage,
  type TaskDocument,
  type TaskEnqueued,
} from '@asyncfn/contracts';
import { expiryOf } from './projection.js';

export interface AcceptInput {
  tenant: string;
  functionName: string;
  taskId: string;
  requestId: string;
  /** Base64 of the invocation body. */
  payload: string;
  delaySeconds: number;
  traceparent?: string;
  rerunOf?: string;
  /** The qualifier invoked and the version it resolved to (absent: LATEST). */
  qualifier?: string;
  resolvedVersion?: string;
}

export interface AcceptedTask {
  /**
   * The claim: the task's TaskEnqueued event, published on its own subject of the claims stream
   * only if that subject is empty (409 otherwise). Its id is derived from the task, so it is also
   * history entry 1 whoever writes it.
   */
  claim: TaskEnqueued;
  /** What goes on the tasks stream. */
  message: AcceptedTaskMessage;
}

/** The state fields of every accepted task's projection: version 1 is always this state. */
const ACCEPTED_BASE = { status: 'Enqueued', attempt: 0, version: 1, invokeCount: 0 } as const;

/** Everything accepting a task publishes, built in one place; time comes in, so this stays pure. */
export function buildAcceptedTask(input: AcceptInput, now: number): AcceptedTask {
  const dueAt = now + input.delaySeconds * 1000;
  const optional = {
    ...(input.traceparent ? { traceparent: input.traceparent } : {}),
    ...(input.rerunOf ? { rerunOf: input.rerunOf } : {}),
    ...(input.qualifier ? { qualifier: input.qualifier } : {}),
    ...(input.resolvedVersion ? { resolvedVersion: input.resolvedVersion } : {}),
  };
  return {
    claim: {
      v: 1,
      type: 'TaskEnqueued',
      eventId: `${taskDocumentId(input.tenant, input.taskId)}:enqueued`,
      taskId: input.taskId,
      tenant: input.tenant,
      functionName: input.functionName,
      attempt: 0,
      timestamp: now,
      source: 'ingress',
      requestId: input.requestId,
      dueAt,
      payload: input.payload,
      ...optional,
    },
    message: {
      v: 1,
      taskId: input.taskId,
      tenant: input.tenant,
      functionName: input.functionName,
      requestId: input.requestId,
      payload: input.payload,
      enqueuedAt: now,
      dueAt,
      ...optional,
    },
  };
}

/** The projection a claim starts: Enqueued, version 1, kept for the retention period. */
export function acceptedDocument(claim: TaskEnqueued, retentionMs: number): TaskDocument {
  return {
    _id: taskDocumentId(claim.tenant, claim.taskId),
    tenant: claim.tenant,
    taskId: claim.taskId,
    functionName: claim.functionName,
    functionArn: functionArn(claim.tenant, claim.functionName),
    requestId: claim.requestId,
    ...ACCEPTED_BASE,
    payload: claim.payload,
    startedTime: claim.timestamp,
    dueAt: claim.dueAt,
    alreadyRetriedTimes: 0,
    updatedAt: claim.timestamp,
    ...expiryOf(claim.timestamp + retentionMs),
    ...(claim.traceparent ? { traceparent: claim.traceparent } : {}),
    ...(claim.rerunOf ? { rerunOf: claim.rerunOf } : {}),
    ...(claim.qualifier ? { qualifier: claim.qualifier } : {}),
    ...(claim.resolvedVersion ? { resolvedVersion: claim.resolvedVersion } : {}),
  };
}

/** The queue message of an accepted task, rebuilt from its projection (the sweeper's republish). */
export function acceptedMessageOf(doc: TaskDocument): AcceptedTaskMessage {
  return {
    v: 1,
    taskId: doc.taskId,
    tenant: doc.tenant,
    functionName: doc.functionName,
    requestId: doc.requestId,
    payload: doc.payload,
    enqueuedAt: doc.startedTime,
    dueAt: doc.dueAt,
    ...(doc.traceparent ? { traceparent: doc.traceparent } : {}),
    ...(doc.rerunOf ? { rerunOf: doc.rerunOf } : {}),
    ...(doc.qualifier ? { qualifier: doc.qualifier } : {}),
    ...(doc.resolvedVersion ? { resolvedVersion: doc.resolvedVersion } : {}),
  };
}
