/**
 * The function's lifecycle hooks (FC's initializer, preFreeze and preStop), as pure decisions:
 * what the instance asks the process to run, how long it may take, and which hook comes next.
 */
import type { ParentMessage } from './protocol.js';
import type { FunctionSpec, InvokeOutcome, InvokeRequest, OutcomeCommon } from './types.js';

/** The message that loads the handler and runs the initializer, named by the cold start's request. */
export function initializeMessage(spec: FunctionSpec, first: InvokeRequest): ParentMessage {
  return {
    type: 'initialize',
    requestId: first.requestId,
    handler: spec.handler,
    ...(spec.initializer ? { initializer: spec.initializer.handler } : {}),
    ...(spec.preStop ? { preStop: spec.preStop.handler } : {}),
    ...(spec.preFreeze ? { preFreeze: spec.preFreeze.handler } : {}),
    function: {
      name: first.functionName,
      handler: spec.handler,
      memory: spec.memorySizeMB,
      timeout: spec.timeoutSeconds,
    },
    tenant: first.tenant,
    ...(first.traceparent ? { traceparent: first.traceparent } : {}),
  };
}

/** Loading the handler and the initializer share one bound: the initializer's, else the function's. */
export function initTimeoutSeconds(spec: FunctionSpec): number {
  return spec.initializer?.timeoutSeconds ?? spec.timeoutSeconds;
}

export function initTimeoutMessage(spec: FunctionSpec): string {
  const what = spec.initializer ? `Initializer '${spec.initializer.handler}'` : 'Loading the handler';
  return `${what} timed out after ${initTimeoutSeconds(spec)} seconds`;
}

/** What every invocation waiting for an instance that could not be initialised gets. */
export function initializationFailed(errorMessage: string, base: OutcomeCommon): InvokeOutcome {
  return { kind: 'failed', errorType: 'InitializationError', errorMessage, coldStart: true, ...base };
}

/** When the instance falls idle: run preFreeze first (if configured), or rest at once. */
export type OnIdle = { kind: 'preFreeze'; handler: string; timeoutSeconds: number } | { kind: 'rest' };

export function onIdle(spec: FunctionSpec): OnIdle {
  return spec.preFreeze
    ? { kind: 'preFreeze', handler: spec.preFreeze.handler, timeoutSeconds: spec.preFreeze.timeoutSeconds }
    : { kind: 'rest' };
}

export function preFreezeTimeoutMessage(handler: string, timeoutSeconds: number): string {
  return `PreFreeze '${handler}' timed out after ${timeoutSeconds} seconds`;
}

/** How an instance that is being ended goes (see `terminate` in `instance.ts`). */
export interface EndRequest {
  /** Run preStop, with this request id, if the function has one. */
  preStopId?: string;
  /** Give this invocation `killGraceMs` to react to its aborted signal. */
  graceFor?: string;
}

/** What to wait for before the SIGKILL. */
export type BeforeKill =
  | { kind: 'preStop'; requestId: string; waitMs: number }
  | { kind: 'grace'; requestId: string; waitMs: number }
  | { kind: 'nothing' };

/**
 * preStop runs only on an instance that finished initialising (FC runs it only where the
 * initializer succeeded); otherwise an invocation that was asked to end may get its grace period.
 */
export function beforeKill(
  spec: FunctionSpec,
  how: EndRequest,
  wasRunning: boolean,
  killGraceMs: number,
): BeforeKill {
  if (how.preStopId && spec.preStop && wasRunning) {
    return { kind: 'preStop', requestId: how.preStopId, waitMs: spec.preStop.timeoutSeconds * 1000 };
  }
  if (how.graceFor) return { kind: 'grace', requestId: how.graceFor, waitMs: killGraceMs };
  return { kind: 'nothing' };
}
