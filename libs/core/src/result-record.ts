import { createHash } from 'node:crypto';
import {
  DestinationKind,
  ResultCondition,
  STATUS_AFTER,
  describeEvent,
  functionArn,
  isTerminal,
  type AsyncConfig,
  type ResultRecord,
  type TaskDocument,
  type TaskEvent,
  type TaskStatus,
} from '@asyncfn/contracts';
import { ANY_TASK_ID } from './validation.js';

/*
 * The result record of a finished task (FC's destination format, seed 004) and the identities of
 * its delivery. Pure: the record depends only on the task and its terminal event, so a retried or
 * redelivered record is byte-for-byte the same.
 */

export type TerminalStatus = Extract<TaskStatus, 'Succeeded' | 'Failed' | 'Expired' | 'Invalid' | 'Stopped'>;

export type TerminalTaskEvent = Extract<
  TaskEvent,
  { type: 'TaskSucceeded' | 'TaskFailed' | 'TaskExpired' | 'TaskInvalidated' | 'TaskStopped' }
>;

export function isTerminalEvent(event: TaskEvent): event is TerminalTaskEvent {
  return isTerminal(STATUS_AFTER[event.type]);
}

interface Outcome {
  condition: ResultCondition;
  kind: DestinationKind;
  /**
   * 200 when the function answered (FC reports function errors with 200 too); for outcomes where
   * it never gave an answer, the HTTP mapping of google.rpc.Code: DEADLINE_EXCEEDED 504,
   * FAILED_PRECONDITION 400, CANCELLED 499.
   */
  statusCode: number;
}

const OUTCOMES: Readonly<Record<TerminalStatus, Outcome>> = {
  Succeeded: { condition: ResultCondition.Success, kind: DestinationKind.OnSuccess, statusCode: 200 },
  Failed: { condition: ResultCondition.InvocationError, kind: DestinationKind.OnFailure, statusCode: 200 },
  Expired: { condition: ResultCondition.EventAgeExceeded, kind: DestinationKind.OnFailure, statusCode: 504 },
  Invalid: { condition: ResultCondition.InvalidTask, kind: DestinationKind.OnFailure, statusCode: 400 },
  Stopped: { condition: ResultCondition.Stopped, kind: DestinationKind.OnFailure, statusCode: 499 },
};

export function asTerminalStatus(status: TaskStatus): TerminalStatus | undefined {
  return isTerminal(status) ? (status as TerminalStatus) : undefined;
}

/** onSuccess for Succeeded, onFailure for every other terminal state. */
export function destinationKindOf(status: TerminalStatus): DestinationKind {
  return OUTCOMES[status].kind;
}

export function conditionOf(status: TerminalStatus): ResultCondition {
  return OUTCOMES[status].condition;
}

/** The destination a finished task's record goes to, if the function has one. */
export function destinationFor(
  asyncConfig: AsyncConfig | undefined,
  kind: DestinationKind,
): { uri: string; cloudEvents: boolean } | undefined {
  const config = asyncConfig?.destinationConfig;
  const uri = config?.[kind]?.destination;
  return uri ? { uri, cloudEvents: config?.cloudEvents === true } : undefined;
}

/**
 * Whether an async config applies to a task that ended at `endedAt`: a destination takes the
 * outcomes of tasks that end once it is configured, not those that ended before.
 */
export function configuredBy(asyncConfig: AsyncConfig | undefined, endedAt: number): boolean {
  const created = Date.parse(asyncConfig?.createdTime ?? '');
  return Number.isNaN(created) || created <= endedAt;
}

/** What a record is made of, whether read from the stored task or from the terminal event. */
interface RecordFacts {
  status: TerminalStatus;
  finishedAt: number;
  requestId: string;
  functionArn: string;
  /** Base64 of the invocation body. */
  payload: string;
  invokeCount: number;
  returnPayload?: string;
  errorMessage?: string;
}

function buildRecord(facts: RecordFacts): ResultRecord {
  const outcome = OUTCOMES[facts.status];
  const succeeded = facts.status === 'Succeeded';
  return {
    timestamp: facts.finishedAt,
    requestContext: {
      requestId: facts.requestId,
      functionArn: facts.functionArn,
      condition: outcome.condition,
      approximateInvokeCount: facts.invokeCount,
    },
    requestPayload: Buffer.from(facts.payload, 'base64').toString('utf8'),
    responseContext: {
      statusCode: outcome.statusCode,
      functionError: succeeded ? '' : outcome.condition,
    },
    responsePayload: succeeded
      ? (facts.returnPayload ?? '')
      : JSON.stringify({ errorMessage: facts.errorMessage ?? '' }),
  };
}

/**
 * The record for a terminal event: the stored task gives the request (id, payload, attempts
 * started); a task run with asyncTask=false has none, and its event carries those instead.
 */
export function resultRecordOf(event: TerminalTaskEvent, task?: TaskDocument): ResultRecord {
  const untracked = event.untracked;
  if (!task && !untracked) {
    throw new Error(`no task document for tracked task '${event.taskId}'`);
  }
  const ran = event.type === 'TaskSucceeded' || event.type === 'TaskFailed';
  return buildRecord({
    status: STATUS_AFTER[event.type] as TerminalStatus,
    finishedAt: event.timestamp,
    requestId: task?.requestId ?? untracked?.requestId ?? '',
    functionArn: task?.functionArn ?? functionArn(event.tenant, event.functionName),
    payload: task?.payload ?? untracked?.payload ?? '',
    invokeCount: Math.max(task?.invokeCount ?? 0, untracked?.invokeCount ?? 0, ran ? event.attempt : 0),
    ...(event.type === 'TaskSucceeded' ? { returnPayload: event.returnPayload } : {}),
    ...(event.type === 'TaskSucceeded'
      ? {}
      : { errorMessage: event.type === 'TaskFailed' ? event.errorMessage : describeEvent(event) }),
  });
}

/**
 * The record rebuilt from the stored task alone (redelivery, after the event is gone): the
 * projection kept what the terminal event said, so this equals resultRecordOf(event, task).
 */
export function resultRecordOfTask(task: TaskDocument): ResultRecord | undefined {
  const status = asTerminalStatus(task.status);
  if (!status) return undefined;
  return buildRecord({
    status,
    finishedAt: task.endTime ?? task.updatedAt,
    requestId: task.requestId,
    functionArn: task.functionArn,
    payload: task.payload,
    invokeCount: task.invokeCount,
    ...(task.returnPayload !== undefined ? { returnPayload: task.returnPayload } : {}),
    ...(task.taskErrorMessage !== undefined ? { errorMessage: task.taskErrorMessage } : {}),
  });
}

/**
 * The delivery's dedupe key, stable across retries: Nats-Msg-Id, Kafka key, HTTP
 * x-asyncfn-delivery-id, CloudEvent id. A redelivery asked for through the API is a delivery of
 * its own, so it gets the redelivery request's id appended.
 */
export function deliveryId(
  tenant: string,
  taskId: string,
  kind: DestinationKind,
  redeliveryOf?: string,
): string {
  const base = `${tenant}:${taskId}:${kind}`;
  return redeliveryOf ? `${base}:redelivery:${redeliveryOf}` : base;
}

/**
 * The task id of the task a `function:` destination starts: deterministic, so a retried delivery
 * is answered AsyncTaskAlreadyExists instead of starting a second task. `<taskId>-<condition>`
 * when that is a valid task id, otherwise a prefix of the task id and a hash of the whole.
 */
export function chainedTaskId(taskId: string, condition: ResultCondition, redeliveryOf?: string): string {
  const plain = redeliveryOf ? `${taskId}-${condition}-${redeliveryOf}` : `${taskId}-${condition}`;
  if (ANY_TASK_ID.test(plain)) return plain;
  const hash = createHash('sha256').update(plain).digest('hex').slice(0, 24);
  const head = taskId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 128 - hash.length - 1);
  return `${head}-${hash}`;
}

/** CloudEvents 1.0, structured JSON mode. */
export interface ResultCloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: ResultRecord;
}

const EVENT_TYPE: Readonly<Record<ResultCondition, string>> = {
  Success: 'com.asyncfn.task.succeeded',
  InvocationError: 'com.asyncfn.task.failed',
  EventAgeExceeded: 'com.asyncfn.task.expired',
  InvalidTask: 'com.asyncfn.task.invalid',
  Stopped: 'com.asyncfn.task.stopped',
};

export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';

/** The record as a CloudEvent: id the delivery id, source the function ARN, subject the task id. */
export function toCloudEvent(
  record: ResultRecord,
  ids: { deliveryId: string; taskId: string },
): ResultCloudEvent {
  return {
    specversion: '1.0',
    id: ids.deliveryId,
    source: record.requestContext.functionArn,
    type: EVENT_TYPE[record.requestContext.condition],
    subject: ids.taskId,
    time: new Date(record.timestamp).toISOString(),
    datacontenttype: 'application/json',
    data: record,
  };
}
