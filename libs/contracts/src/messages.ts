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
  /** asyncTask=false: run it, but record no task state (only the terminal event, for destinations). */
  untracked?: boolean;
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
}

/** Synchronous invocation request/reply over core NATS (ingress ↔ executor). */
export interface SyncInvokeRequest {
  v: 1;
  tenant: string;
  functionName: string;
  requestId: string;
  payload: string;
  traceparent?: string;
}
export type SyncInvokeReply =
  | { ok: true; statusCode: 200; payload: string; instanceId: string; durationMs: number; logs: string }
  | { ok: false; statusCode: number; errorType: string; errorMessage: string; logs: string };
