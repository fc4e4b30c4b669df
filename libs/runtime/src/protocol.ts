/**
 * The IPC protocol between the pool (parent) and `node-shim.mjs` (one per instance process).
 * Messages travel over `child_process.fork`'s channel with `serialization: 'advanced'`, so
 * payloads and results cross as raw bytes (Buffer/Uint8Array), never base64.
 *
 * The shim is plain JavaScript (it runs under bare `node`), so it cannot import these types:
 * keep its message literals in step with this file.
 *
 * Conversation of one instance:
 *   child  → ready                         (IPC listener installed)
 *   parent → initialize                    (load handler/preStop, run initializer once)
 *   child  → initialized | initError
 *   parent → invoke*  (several in flight when instanceConcurrency > 1, matched by requestId)
 *   child  → result | error                (one per invoke)
 *   parent → abort    (timeout or stop: aborts context.signal of that invocation)
 *   parent → preFreeze (after invocations, when nothing is in flight any more)
 *   child  → preFreezeDone
 *   parent → preStop  (before the instance is destroyed)
 *   child  → preStopDone
 *
 * A custom-runtime instance speaks HTTP instead (see `http-channel.ts`), translated into these
 * same messages, so the instance state machine does not know which kind it drives.
 */

/** FC's `functionError` shape. */
export interface FunctionError {
  errorType: string;
  errorMessage: string;
}

/** What the handler sees as `context.function`. */
export interface FunctionMeta {
  name: string;
  handler: string;
  /** MB */
  memory: number;
  /** seconds */
  timeout: number;
}

export const AbortReason = {
  Timeout: 'timeout',
  Stop: 'stop',
} as const;
export type AbortReason = (typeof AbortReason)[keyof typeof AbortReason];

export type ParentMessage =
  | {
      type: 'initialize';
      /** Becomes the initializer's `context.requestId` (FC gives the initializer one too). */
      requestId: string;
      handler: string;
      initializer?: string;
      preStop?: string;
      preFreeze?: string;
      function: FunctionMeta;
      tenant: string;
      traceparent?: string;
    }
  | {
      type: 'invoke';
      requestId: string;
      taskId?: string;
      attempt: number;
      payload: Uint8Array;
      tenant: string;
      traceparent?: string;
    }
  | { type: 'abort'; requestId: string; reason: AbortReason }
  | { type: 'preFreeze'; requestId: string }
  | { type: 'preStop'; requestId: string };

/**
 * The last output mark the child wrote on each stream before answering (a line
 * `OUTPUT_MARK_PREFIX<n>`), set for a stream it wrote to since its previous mark: once the parent
 * has read that mark, it has read all of the answer's output on that stream.
 */
export interface OutputMarks {
  stdout?: number;
  stderr?: number;
}

/** Starts an output mark's line; the NUL keeps it apart from anything a function prints. */
export const OUTPUT_MARK_PREFIX = '\u0000asyncfn-mark ';

export type ChildMessage =
  | { type: 'ready'; pid: number }
  | { type: 'initialized'; requestId: string }
  | ({ type: 'initError'; requestId: string } & FunctionError)
  | { type: 'result'; requestId: string; body: Uint8Array; marks?: OutputMarks }
  | ({ type: 'error'; requestId: string; marks?: OutputMarks } & FunctionError)
  | { type: 'preFreezeDone'; requestId: string; error?: FunctionError }
  | { type: 'preStopDone'; requestId: string; error?: FunctionError };

const isString = (v: unknown): v is string => typeof v === 'string';

function asMarks(v: unknown): { marks?: OutputMarks } {
  if (typeof v !== 'object' || v === null) return {};
  const m = v as Record<string, unknown>;
  const marks: OutputMarks = {};
  if (Number.isSafeInteger(m.stdout)) marks.stdout = m.stdout as number;
  if (Number.isSafeInteger(m.stderr)) marks.stderr = m.stderr as number;
  return { marks };
}

function asFunctionError(m: Record<string, unknown>): FunctionError | undefined {
  return isString(m.errorType) && isString(m.errorMessage)
    ? { errorType: m.errorType, errorMessage: m.errorMessage }
    : undefined;
}

/**
 * Validates a message from the child. User code shares the process with the shim and can call
 * `process.send` itself, so anything malformed is dropped here rather than allowed to throw in
 * the parent (which would take the executor down).
 */
export function parseChildMessage(raw: unknown): ChildMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  const type = m.type;
  if (type === 'ready') return typeof m.pid === 'number' ? { type, pid: m.pid } : undefined;
  if (!isString(m.requestId)) return undefined;
  const requestId = m.requestId;
  switch (type) {
    case 'initialized':
      return { type, requestId };
    case 'result':
      return m.body instanceof Uint8Array
        ? { type, requestId, body: m.body, ...asMarks(m.marks) }
        : undefined;
    case 'initError': {
      const error = asFunctionError(m);
      return error ? { type, requestId, ...error } : undefined;
    }
    case 'error': {
      const error = asFunctionError(m);
      return error ? { type, requestId, ...error, ...asMarks(m.marks) } : undefined;
    }
    case 'preFreezeDone':
    case 'preStopDone': {
      const error =
        typeof m.error === 'object' && m.error !== null ? asFunctionError(m.error as never) : undefined;
      return { type, requestId, ...(error ? { error } : {}) };
    }
    default:
      return undefined;
  }
}
