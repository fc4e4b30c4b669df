import type { ErrorCode } from './errors.js';
import type { DeliveryIdentity, ResultRecord } from './records.js';

/** An accepted task on the tasks stream (ingress → dispatcher). */
export interface AcceptedTaskMessage {
  v: 1;
  taskId: string;
  tenant: string;
  functionName: string;
  requestId: string;
  /** Base64 of the invocation body (FC's event bytes). */
  payload: string;
  enqueuedAt: number;
  /** Not before this time (delayed tasks); equals enqueuedAt otherwise. */
  dueAt: number;
  traceparent?: string;
  /** Set when this task re-runs an earlier one. */
  rerunOf?: string;
  /** The qualifier invoked and the version it resolved to at acceptance (absent: LATEST). */
  qualifier?: string;
  resolvedVersion?: string;
  /** asyncTask=false: run it, but record no task state (only the terminal event, for destinations). */
  untracked?: boolean;
}

/**
 * What the runs stream carries: a task the dispatcher handed over, or an accepted task due now
 * that the ingress queued straight to the executors (they dispatch it themselves).
 */
export type RunQueueMessage = RunTaskMessage | AcceptedTaskMessage;

/** An accepted task is told apart from a dispatched run by its due time (runs have none). */
export function isAcceptedTask(message: RunQueueMessage): message is AcceptedTaskMessage {
  return (message as AcceptedTaskMessage).dueAt !== undefined;
}

/** A task handed to executors (dispatcher → executor). */
export interface RunTaskMessage {
  v: 1;
  taskId: string;
  tenant: string;
  functionName: string;
  requestId: string;
  payload: string;
  enqueuedAt: number;
  /** Retries allowed after the first attempt (maxAsyncRetryAttempts at dispatch). */
  maxRetries: number;
  traceparent?: string;
  untracked?: boolean;
  /** The version to run (absent or LATEST: the function as it is when the attempt starts). */
  resolvedVersion?: string;
  /** The qualifier invoked (absent: LATEST); an untracked task's destination depends on it. */
  qualifier?: string;
}

/** Synchronous invocation request/reply over core NATS (ingress ↔ executor). */
export interface SyncInvokeRequest {
  v: 1;
  tenant: string;
  functionName: string;
  requestId: string;
  payload: string;
  traceparent?: string;
  /** The version to run (absent or LATEST: the function as it is now). */
  resolvedVersion?: string;
}
export type SyncInvokeReply =
  | { ok: true; statusCode: 200; payload: string; instanceId: string; durationMs: number; logs: string }
  | { ok: false; statusCode: number; errorType: string; errorMessage: string; logs: string };

/**
 * A record waiting to be delivered, on the deliveries stream (a work queue of the destination service): the
 * terminal event or redelivery request was resolved into it once the task's state was recorded.
 */
export interface DeliveryJob extends DeliveryIdentity {
  cloudEvents: boolean;
  record: ResultRecord;
  /** The task has a document: destinationStatus is recorded on it (not so with asyncTask=false). */
  tracked: boolean;
  /** The API request id of a redelivery. */
  redeliveryOf?: string;
  /** The task's W3C traceparent: delivery spans (and the receiver) join the task's trace. */
  traceparent?: string;
}

/**
 * Core NATS request/reply on `subjects.intake`: another service (the destination service for
 * `function:` destinations, trigger runners) asks the ingress, the one acceptor, to accept a task.
 */
export interface IntakeRequest {
  v: 1;
  tenant: string;
  functionName: string;
  /** Deterministic ids make a retried request answer AsyncTaskAlreadyExists instead of running twice. */
  taskId?: string;
  requestId?: string;
  /** Base64 of the invocation body. */
  payload: string;
  delaySeconds?: number;
  traceparent?: string;
  /** Version or alias to invoke (FC's qualifier); LATEST when absent. */
  qualifier?: string;
}

/** A refusal carries a code of the error registry (errors.ts); its `retryable` says what to do. */
export type IntakeReply =
  { ok: true; taskId: string; requestId: string } | { ok: false; code: ErrorCode; message: string };

/**
 * A message received from a local MNS-style queue (GET /2023-03-30/queues/{q}/messages).
 * `messageId` is the message's sequence in the queues stream (unique, increasing); `body` the
 * text that was sent (a destination's result record, JSON); `publishTime` epoch ms.
 */
export interface QueueMessage {
  messageId: string;
  body: string;
  publishTime: number;
}

/** One recorded change of a task, as the console's live view needs it (no payload, no result). */
export interface TaskChange {
  taskId: string;
  functionName: string;
  /** The event that was recorded. */
  type: string;
  /** The task's status after it. */
  status: string;
  attempt: number;
  /** When the event happened (epoch ms). */
  timestamp: number;
}

/**
 * The status service, after writing a batch, tells what it recorded (core NATS, one message per
 * tenant per batch, on `subjects.applied(tenant)`): the ingress's live task feed relays it to the
 * console. Not persisted: a reader that was not listening refreshes its list instead.
 */
export interface TaskChangesMessage {
  v: 1;
  changes: TaskChange[];
}
