import { performance } from 'node:perf_hooks';
import type { EndRequest } from './instance-hooks.js';
import { earlyEnd, type EarlyEndCause, type Fate } from './instance-lifecycle.js';
import { usageSince } from './instance-limits.js';
import { invokeMessage, replyOutcome, type Reply } from './instance-messages.js';
import type { InstanceProcess } from './instance-process.js';
import { createLogBuffer, type LogBuffer } from './log-buffer.js';
import type { DestroyReason, InvokeOutcome, InvokeRequest, OutcomeCommon } from './types.js';

/** One invocation an instance was given, from `invoke()` until it is settled (exactly once). */
export interface Invocation {
  req: InvokeRequest;
  startedAt: number;
  coldStart: boolean;
  logs: LogBuffer;
  dispatched: boolean;
  /** The child answered; the outcome is being settled (see `onReply`). */
  answered: boolean;
  fate?: Fate;
  timer?: NodeJS.Timeout;
  /** The process's CPU time when the invocation was dispatched. */
  cpuStartMs?: number;
  detachSignals?: () => void;
  resolve(outcome: InvokeOutcome): void;
}

export function newInvocation(
  req: InvokeRequest,
  coldStart: boolean,
  maxLogBytes: number,
  resolve: (outcome: InvokeOutcome) => void,
): Invocation {
  return {
    req,
    startedAt: performance.now(),
    coldStart,
    logs: createLogBuffer(maxLogBytes),
    dispatched: false,
    answered: false,
    resolve,
  };
}

/** What the book needs of its instance. */
export interface InvocationHost {
  instanceId: string;
  timeoutSeconds: number;
  /** Asked at each use: the process is spawned after the book (its output goes to the book's invocations). */
  process(): Pick<
    InstanceProcess,
    'send' | 'kill' | 'cpuMs' | 'resetPeakRss' | 'flushOutput' | 'afterOutput' | 'latestSample'
  >;
  /** Ends the instance (see `terminate` in `instance.ts`). */
  terminate(reason: DestroyReason, message: string, how: EndRequest): void;
  /** An invocation was settled; `remaining` are still in flight. */
  onSettled(remaining: number): void;
}

/**
 * The invocations an instance was given and has not settled: each is dispatched once, timed,
 * ended early when stopped or timed out, and settled exactly once, with its logs and its usage.
 */
export interface InvocationBook {
  /** By request id; the instance's output is routed to these (see `captureOutput`). */
  readonly inFlight: ReadonlyMap<string, Invocation>;
  /** Invocations admitted over the instance's life. */
  admitted(): number;
  /** Takes `inv` in; `signal` asks for a graceful stop, `killSignal` for a forced one. */
  admit(inv: Invocation, signal?: AbortSignal, killSignal?: AbortSignal): void;
  dispatch(inv: Invocation): void;
  /** Dispatches the invocations that waited (for the start or preFreeze); false when none did. */
  dispatchQueued(): boolean;
  onReply(msg: Reply): void;
  settle(inv: Invocation, make: (base: OutcomeCommon) => InvokeOutcome): void;
  settleAll(make: (inv: Invocation, base: OutcomeCommon) => InvokeOutcome): void;
  /** The fields every outcome has, as of now. */
  baseOf(inv: Invocation): OutcomeCommon;
}

export function createInvocationBook(host: InvocationHost): InvocationBook {
  const pending = new Map<string, Invocation>();
  let admitted = 0;

  function dispatch(inv: Invocation): void {
    inv.dispatched = true;
    const cpuMs = host.process().cpuMs();
    if (cpuMs !== undefined) inv.cpuStartMs = cpuMs;
    // The high-water mark becomes this invocation's own when nothing else runs beside it.
    if (countDispatched() === 1) host.process().resetPeakRss();
    host.process().send(invokeMessage(inv.req));
    inv.timer = setTimeout(() => endEarly(inv, 'timeout'), host.timeoutSeconds * 1000);
  }

  function countDispatched(): number {
    let n = 0;
    for (const inv of pending.values()) if (inv.dispatched) n += 1;
    return n;
  }

  function endEarly(inv: Invocation, cause: EarlyEndCause): void {
    const { requestId } = inv.req;
    const { answered, dispatched, fate } = inv;
    const end = earlyEnd(cause, { requestId, inFlight: pending.has(requestId), dispatched, answered, fate });
    if (end.kind === 'ignore') return;
    if (end.kind === 'settleStopped') return settle(inv, (base) => ({ kind: 'stopped', ...base }));
    if (end.mark) {
      inv.fate = end.mark.fate;
      host.process().send({ type: 'abort', requestId, reason: end.mark.abort });
    }
    host.terminate(end.reason, end.message, end.how);
    if (end.killNow) host.process().kill();
  }

  function settle(inv: Invocation, make: (base: OutcomeCommon) => InvokeOutcome): void {
    if (pending.get(inv.req.requestId) !== inv) return;
    // A trailing line without "\n" belongs to whoever was running (exactly, if only one was).
    if (pending.size === 1) host.process().flushOutput();
    pending.delete(inv.req.requestId);
    clearTimeout(inv.timer);
    inv.detachSignals?.();
    inv.resolve(make(baseOf(inv)));
    host.onSettled(pending.size);
  }

  function baseOf(inv: Invocation): OutcomeCommon {
    // Once the instance is destroyed its reader answers nothing: the last sample serves.
    const usage =
      inv.cpuStartMs === undefined ? undefined : usageSince(inv.cpuStartMs, host.process().latestSample());
    return {
      instanceId: host.instanceId,
      durationMs: Math.round(performance.now() - inv.startedAt),
      logs: inv.logs.text(),
      ...(usage ? { usage } : {}),
    };
  }

  return {
    inFlight: pending,
    admitted: () => admitted,
    admit(inv, signal, killSignal) {
      pending.set(inv.req.requestId, inv);
      admitted += 1;
      const onStop = (): void => endEarly(inv, 'stop');
      const onKill = (): void => endEarly(inv, 'forceStop');
      signal?.addEventListener('abort', onStop, { once: true });
      killSignal?.addEventListener('abort', onKill, { once: true });
      inv.detachSignals = () => {
        signal?.removeEventListener('abort', onStop);
        killSignal?.removeEventListener('abort', onKill);
      };
    },
    dispatch,
    dispatchQueued() {
      const queued = [...pending.values()].filter((inv) => !inv.dispatched);
      for (const inv of queued) dispatch(inv);
      return queued.length > 0;
    },
    onReply(msg) {
      const inv = pending.get(msg.requestId);
      if (!inv || !inv.dispatched || inv.answered || inv.fate) return;
      inv.answered = true;
      clearTimeout(inv.timer);
      // stdout/stderr are pipes apart from the IPC channel, read in their own time: the answer
      // names the output marks the shim wrote after the invocation's output, so it settles with
      // its logs complete.
      const marks = 'marks' in msg ? msg.marks : undefined;
      void host
        .process()
        .afterOutput(marks)
        .then(() => settle(inv, (base) => replyOutcome(msg, inv.coldStart, base)));
    },
    settle,
    settleAll(make) {
      for (const inv of [...pending.values()]) settle(inv, (base) => make(inv, base));
    },
    baseOf,
  };
}
