/*
 * What executors record about instances and their output, in KV buckets (not MongoDB).
 */

/**
 * A task's captured output (KV `logs`, key `<tenant>.<taskId>`): every attempt's stdout/stderr
 * and its hooks', each under an attempt header, capped by the executor (oldest output dropped first).
 */
export interface TaskLogRecord {
  logs: string;
  /** Output was dropped to stay within the cap. */
  truncated: boolean;
  /** Attempts appended so far. */
  attempts: number;
  updatedAt: number;
}

/** FC's InstanceInfo plus what asyncfn knows (KV `instances`, key `<tenant>.<function>.<instanceId>`). */
export interface InstanceRecord {
  instanceId: string;
  /** starting, initializing, busy, freezing, frozen (idle), stopping, destroyed. */
  status: string;
  createdTimeMs: number;
  destroyedTimeMs?: number;
  qualifier: string;
  /** The code+config version the instance runs (changes on every UpdateFunction). */
  versionId: string;
  tenant: string;
  functionName: string;
  /** Extensions. */
  executor: string;
  pid: number;
  inFlight: number;
  invocations: number;
  updatedAt: number;
  /**
   * Where the ingress reaches this instance's terminal ("Log on to an instance"): the executor's
   * WebSocket base URL and the random credential it accepts, new at every executor start (read
   * only by the ingress, which may read this bucket; never in an API answer). Absent when the
   * executor runs functions unsandboxed.
   */
  terminal?: { url: string; token: string };
}
