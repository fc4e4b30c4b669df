import {
  STATUS_AFTER,
  describeEvent,
  functionArn,
  taskDocumentId,
  type AcceptedTaskMessage,
  type TaskDocument,
  type TaskEnqueued,
  type TaskEventDocument,
} from '@asyncfn/contracts';

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
}

export interface AcceptedTask {
  /** The projection, already Enqueued (version 1): its unique id is the dedupe claim. */
  doc: TaskDocument;
  /** History entry 1. Its id is derived from the task, so writing it twice is harmless. */
  enqueued: TaskEventDocument;
  /** What goes on the tasks stream. */
  message: AcceptedTaskMessage;
}

/** The state fields of every accepted task's projection: version 1 is always this state. */
export const ACCEPTED_BASE = { status: 'Enqueued', attempt: 0, version: 1, invokeCount: 0 } as const;

/** Everything accepting a task writes, built in one place; time comes in, so this stays pure. */
export function buildAcceptedTask(input: AcceptInput, now: number, retentionMs: number): AcceptedTask {
  const id = taskDocumentId(input.tenant, input.taskId);
  const dueAt = now + input.delaySeconds * 1000;
  const expireAt = new Date(now + retentionMs);
  const optional = {
    ...(input.traceparent ? { traceparent: input.traceparent } : {}),
    ...(input.rerunOf ? { rerunOf: input.rerunOf } : {}),
  };
  const event: TaskEnqueued = {
    v: 1,
    type: 'TaskEnqueued',
    eventId: `${id}:enqueued`,
    taskId: input.taskId,
    tenant: input.tenant,
    functionName: input.functionName,
    attempt: 0,
    timestamp: now,
    source: 'ingress',
    requestId: input.requestId,
    dueAt,
  };
  return {
    doc: {
      _id: id,
      tenant: input.tenant,
      taskId: input.taskId,
      functionName: input.functionName,
      functionArn: functionArn(input.tenant, input.functionName),
      requestId: input.requestId,
      ...ACCEPTED_BASE,
      payload: input.payload,
      startedTime: now,
      dueAt,
      alreadyRetriedTimes: 0,
      updatedAt: now,
      expireAt,
      ...optional,
    },
    enqueued: {
      _id: event.eventId,
      tenant: input.tenant,
      taskId: input.taskId,
      seq: 1,
      type: event.type,
      status: STATUS_AFTER.TaskEnqueued,
      attempt: 0,
      timestamp: now,
      source: 'ingress',
      detail: describeEvent(event),
      ...(input.traceparent ? { traceparent: input.traceparent } : {}),
      expireAt,
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
  };
}
