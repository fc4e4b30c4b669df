import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { describeExit } from './exit-reason.js';
import { captureOutput } from './instance-output.js';
import { createLogBuffer, type LogBuffer } from './log-buffer.js';
import { AbortReason, parseChildMessage, type ChildMessage, type ParentMessage } from './protocol.js';
import { spawnInstanceProcess } from './spawn-process.js';
import {
  DestroyReason,
  InstanceStatus,
  type FunctionSpec,
  type InstanceInfo,
  type InvokeOutcome,
  type InvokeRequest,
  type RuntimeLogger,
} from './types.js';

/** One instance process and the invocations it serves. Internal to the pool. */
export interface Instance {
  readonly id: string;
  readonly key: string;
  readonly versionId: string;
  /** Not stopping or gone, and fewer than `concurrency` invocations assigned. */
  hasCapacity(concurrency: number): boolean;
  isIdle(): boolean;
  invoke(req: InvokeRequest, signal?: AbortSignal): Promise<InvokeOutcome>;
  /** preStop (bounded by its timeout), then SIGKILL; resolves once the process is gone. */
  destroy(reason: DestroyReason): Promise<void>;
  info(): InstanceInfo;
}

export interface InstanceOptions {
  spec: FunctionSpec;
  /** The request that caused the cold start: names the function and the initializer's context. */
  first: InvokeRequest;
  shimPath: string;
  execPath: string;
  idleTimeoutMs: number;
  killGraceMs: number;
  startTimeoutMs: number;
  maxLogBytes: number;
  logger?: RuntimeLogger;
  onInitialized(instance: Instance, initDurationMs: number): void;
  /** Nothing in flight any more (the pool retires idle instances of replaced versions). */
  onIdle(instance: Instance): void;
  onDestroyed(instance: Instance, reason: DestroyReason): void;
}

type Phase = 'starting' | 'initializing' | 'running' | 'stopping' | 'destroyed';

/** Why an invocation ends other than by its own result, decided before the process goes. */
type Fate = 'timedOut' | 'stopped';

interface Invocation {
  req: InvokeRequest;
  startedAt: number;
  coldStart: boolean;
  logs: LogBuffer;
  dispatched: boolean;
  /** The child answered; the outcome is being settled (see `onReply`). */
  answered: boolean;
  fate?: Fate;
  timer?: NodeJS.Timeout;
  detachSignal?: () => void;
  resolve(outcome: InvokeOutcome): void;
}

interface OutcomeBase {
  instanceId: string;
  durationMs: number;
  logs: string;
}

/** After 'exit', how long to wait for the pipes to drain ('close') before settling anyway. */
const CLOSE_WAIT_MS = 250;

export function createInstance(o: InstanceOptions): Instance {
  const { spec } = o;
  const id = randomUUID();
  const createdTimeMs = Date.now();
  const pending = new Map<string, Invocation>();
  /** Resolvers for "the child answered X", keyed `reply:<requestId>` / `preStop:<requestId>`. */
  const waiters = new Map<string, () => void>();
  let phase: Phase = 'starting';
  let invocations = 0;
  let phaseTimer: NodeJS.Timeout | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let initStartedAt = 0;
  let destroyReason: DestroyReason = DestroyReason.Crashed;
  /** What in-flight invocations without a fate are told when we, not the child, end the process. */
  let killMessage = '';
  let spawnError: Error | undefined;
  let stopping: Promise<void> | undefined;
  let resolveExited!: () => void;
  const exited = new Promise<void>((resolve) => (resolveExited = resolve));

  const child: ChildProcess = spawnInstanceProcess({
    spec,
    instanceId: id,
    functionName: o.first.functionName,
    shimPath: o.shimPath,
    execPath: o.execPath,
  });

  const self: Instance = {
    id,
    key: spec.key,
    versionId: spec.versionId,
    hasCapacity: (concurrency) => isUsable() && pending.size < Math.max(1, concurrency),
    isIdle: () => isUsable() && pending.size === 0,
    invoke,
    destroy: (reason) => terminate(reason, messageFor(reason), { preStopId: randomUUID() }),
    info: () => ({
      instanceId: id,
      key: spec.key,
      versionId: spec.versionId,
      status: status(),
      createdTimeMs,
      inFlight: pending.size,
      invocations,
    }),
  };

  // ---- process wiring -------------------------------------------------------------------

  const output = captureOutput(child, pending, (line) =>
    o.logger?.debug({ instanceId: id, key: spec.key, line }, 'runtime: instance output'),
  );
  child.on('message', (raw) => {
    const msg = parseChildMessage(raw);
    if (!msg) return;
    try {
      onMessage(msg);
    } catch (err) {
      // A bug here must not become an uncaught exception in the executor.
      o.logger?.error({ err, instanceId: id }, 'runtime: failed to handle an instance message');
    }
  });
  child.on('error', (err) => {
    // Spawn failures arrive here (no pid); send/kill races on a dying child are harmless.
    if (child.pid === undefined) {
      spawnError = err;
      finalize(null, null);
    }
  });
  child.on('exit', (code, signal) => setTimeout(() => finalize(code, signal), CLOSE_WAIT_MS));
  child.on('close', (code: number | null, signal: NodeJS.Signals | null) => finalize(code, signal));
  phaseTimer = setTimeout(() => {
    void terminate(
      DestroyReason.InitFailed,
      `Instance process did not start within ${o.startTimeoutMs} ms`,
      {},
    );
  }, o.startTimeoutMs);

  function send(msg: ParentMessage): void {
    if (!child.connected) return;
    // With a callback, a closed channel is reported there instead of as an 'error' event.
    child.send(msg, (err) => {
      if (err) o.logger?.debug({ err, instanceId: id, type: msg.type }, 'runtime: send to instance failed');
    });
  }

  function onMessage(msg: ChildMessage): void {
    switch (msg.type) {
      case 'ready':
        if (phase !== 'starting') return;
        clearTimeout(phaseTimer);
        phase = 'initializing';
        initStartedAt = performance.now();
        send({
          type: 'initialize',
          requestId: o.first.requestId,
          handler: spec.handler,
          ...(spec.initializer ? { initializer: spec.initializer.handler } : {}),
          ...(spec.preStop ? { preStop: spec.preStop.handler } : {}),
          function: {
            name: o.first.functionName,
            handler: spec.handler,
            memory: spec.memorySizeMB,
            timeout: spec.timeoutSeconds,
          },
          tenant: o.first.tenant,
          ...(o.first.traceparent ? { traceparent: o.first.traceparent } : {}),
        });
        phaseTimer = setTimeout(onInitTimeout, initTimeoutSeconds() * 1000);
        return;
      case 'initialized':
        if (phase !== 'initializing') return;
        clearTimeout(phaseTimer);
        phase = 'running';
        o.onInitialized(self, performance.now() - initStartedAt);
        for (const inv of pending.values()) if (!inv.dispatched) dispatch(inv);
        if (pending.size === 0) becameIdle();
        return;
      case 'initError':
        if (phase !== 'initializing') return;
        clearTimeout(phaseTimer);
        // Let the stack the shim just printed reach the waiting invocations' logs first.
        setImmediate(() => failInitialization(msg.errorMessage));
        return;
      case 'result':
      case 'error':
        onReply(msg);
        return;
      case 'preStopDone':
        if (msg.error) {
          o.logger?.warn({ instanceId: id, key: spec.key, ...msg.error }, 'runtime: preStop failed');
        }
        waiters.get(`preStop:${msg.requestId}`)?.();
        return;
      default:
        return assertNever(msg);
    }
  }

  function onReply(msg: Extract<ChildMessage, { type: 'result' | 'error' }>): void {
    waiters.get(`reply:${msg.requestId}`)?.();
    const inv = pending.get(msg.requestId);
    if (!inv || !inv.dispatched || inv.answered || inv.fate) return;
    inv.answered = true;
    clearTimeout(inv.timer);
    // stdout/stderr are pipes separate from the IPC channel. The shim answers only once its
    // output has reached them, so it is readable in this same poll phase; setImmediate runs
    // after that phase, so the invocation's logs are complete when it settles.
    setImmediate(() =>
      settle(inv, (base) =>
        msg.type === 'result'
          ? { kind: 'succeeded', result: toBuffer(msg.body), coldStart: inv.coldStart, ...base }
          : {
              kind: 'failed',
              errorType: msg.errorType,
              errorMessage: msg.errorMessage,
              coldStart: inv.coldStart,
              ...base,
            },
      ),
    );
  }

  // ---- invocations ------------------------------------------------------------------------

  function invoke(req: InvokeRequest, signal?: AbortSignal): Promise<InvokeOutcome> {
    return new Promise<InvokeOutcome>((resolve) => {
      const inv: Invocation = {
        req,
        startedAt: performance.now(),
        coldStart: phase !== 'running',
        logs: createLogBuffer(o.maxLogBytes),
        dispatched: false,
        answered: false,
        resolve,
      };
      if (!isUsable() || pending.has(req.requestId)) {
        // The pool never does this; answer rather than hang if it ever does.
        const why = pending.has(req.requestId) ? 'a duplicate request id' : 'an instance that is going away';
        resolve({ kind: 'crashed', errorMessage: `Invocation was given ${why}`, ...baseOf(inv) });
        return;
      }
      clearTimeout(idleTimer);
      pending.set(req.requestId, inv);
      invocations += 1;
      if (signal) {
        const onAbort = (): void => stop(inv);
        signal.addEventListener('abort', onAbort, { once: true });
        inv.detachSignal = () => signal.removeEventListener('abort', onAbort);
      }
      if (phase === 'running') dispatch(inv);
    });
  }

  function dispatch(inv: Invocation): void {
    inv.dispatched = true;
    const { req } = inv;
    send({
      type: 'invoke',
      requestId: req.requestId,
      attempt: req.attempt,
      payload: req.payload,
      tenant: req.tenant,
      ...(req.taskId !== undefined ? { taskId: req.taskId } : {}),
      ...(req.traceparent !== undefined ? { traceparent: req.traceparent } : {}),
    });
    inv.timer = setTimeout(() => onTimeout(inv), spec.timeoutSeconds * 1000);
  }

  function onTimeout(inv: Invocation): void {
    if (inv.answered || inv.fate) return;
    inv.fate = 'timedOut';
    send({ type: 'abort', requestId: inv.req.requestId, reason: AbortReason.Timeout });
    // The instance is discarded: a handler that ignores its signal may still be burning CPU.
    void terminate(DestroyReason.TimedOut, 'Instance was killed because a concurrent invocation timed out', {
      graceFor: inv.req.requestId,
    });
  }

  function stop(inv: Invocation): void {
    if (inv.answered || inv.fate || !pending.has(inv.req.requestId)) return;
    if (!inv.dispatched) {
      // Still waiting for the instance to start: the handler never ran; the instance may serve others.
      settle(inv, (base) => ({ kind: 'stopped', ...base }));
      return;
    }
    inv.fate = 'stopped';
    send({ type: 'abort', requestId: inv.req.requestId, reason: AbortReason.Stop });
    void terminate(
      DestroyReason.Stopped,
      'Instance was stopped because a concurrent invocation was stopped',
      {
        preStopId: inv.req.requestId,
        graceFor: inv.req.requestId,
      },
    );
  }

  function settle(inv: Invocation, make: (base: OutcomeBase) => InvokeOutcome): void {
    if (pending.get(inv.req.requestId) !== inv) return;
    // A trailing line without "\n" belongs to whoever was running (exactly, if only one was).
    if (pending.size === 1) {
      output.flush();
    }
    pending.delete(inv.req.requestId);
    clearTimeout(inv.timer);
    inv.detachSignal?.();
    inv.resolve(make(baseOf(inv)));
    if (pending.size === 0 && phase === 'running') becameIdle();
  }

  function baseOf(inv: Invocation): OutcomeBase {
    return {
      instanceId: id,
      durationMs: Math.round(performance.now() - inv.startedAt),
      logs: inv.logs.text(),
    };
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  function initTimeoutSeconds(): number {
    return spec.initializer?.timeoutSeconds ?? spec.timeoutSeconds;
  }

  function onInitTimeout(): void {
    const what = spec.initializer ? `Initializer '${spec.initializer.handler}'` : 'Loading the handler';
    failInitialization(`${what} timed out after ${initTimeoutSeconds()} seconds`);
  }

  function failInitialization(errorMessage: string): void {
    for (const inv of [...pending.values()]) {
      settle(inv, (base) => ({
        kind: 'failed',
        errorType: 'InitializationError',
        errorMessage,
        coldStart: true,
        ...base,
      }));
    }
    void terminate(DestroyReason.InitFailed, errorMessage, {});
  }

  function becameIdle(): void {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => void self.destroy(DestroyReason.Idle), o.idleTimeoutMs);
    idleTimer.unref();
    o.onIdle(self);
  }

  /**
   * Ends the process: optionally runs preStop (bounded by its timeout) or gives one invocation a
   * grace period to react to its aborted signal, then SIGKILL. Idempotent; resolves when gone.
   */
  function terminate(
    reason: DestroyReason,
    message: string,
    how: { preStopId?: string; graceFor?: string },
  ): Promise<void> {
    if (stopping) return stopping;
    const wasRunning = phase === 'running';
    phase = phase === 'destroyed' ? phase : 'stopping';
    destroyReason = reason;
    killMessage = message;
    clearTimeout(phaseTimer);
    clearTimeout(idleTimer);
    stopping = (async () => {
      if (how.preStopId && spec.preStop && wasRunning) {
        send({ type: 'preStop', requestId: how.preStopId });
        await waitFor(`preStop:${how.preStopId}`, spec.preStop.timeoutSeconds * 1000);
      } else if (how.graceFor) {
        await waitFor(`reply:${how.graceFor}`, o.killGraceMs);
      }
      kill();
      await exited;
    })();
    return stopping;
  }

  function waitFor(key: string, ms: number): Promise<void> {
    if (phase === 'destroyed') return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.set(key, done);
    });
  }

  function kill(): void {
    try {
      child.kill('SIGKILL');
    } catch (err) {
      o.logger?.debug({ err, instanceId: id }, 'runtime: kill failed');
    }
  }

  function finalize(code: number | null, signal: NodeJS.Signals | null): void {
    if (phase === 'destroyed') return;
    const ownDeath = stopping === undefined;
    phase = 'destroyed';
    clearTimeout(phaseTimer);
    clearTimeout(idleTimer);
    output.flush();
    for (const done of [...waiters.values()]) done();
    const reason = ownDeath ? DestroyReason.Crashed : destroyReason;
    const crash = spawnError
      ? `Failed to start instance process in ${spec.codeDir}: ${spawnError.message}`
      : ownDeath
        ? describeExit(code, signal, output.stderrTail(), spec.memorySizeMB)
        : killMessage;
    if (ownDeath) {
      o.logger?.warn(
        { instanceId: id, key: spec.key, code, signal, crash },
        'runtime: instance exited unexpectedly',
      );
    }
    for (const inv of [...pending.values()]) {
      settle(inv, (base): InvokeOutcome => {
        switch (inv.fate) {
          case 'timedOut':
            return {
              kind: 'timedOut',
              errorMessage: `Function timed out after ${spec.timeoutSeconds} seconds`,
              ...base,
            };
          case 'stopped':
            return { kind: 'stopped', ...base };
          case undefined:
            return { kind: 'crashed', errorMessage: crash, ...base };
          default:
            return assertNever(inv.fate);
        }
      });
    }
    resolveExited();
    o.onDestroyed(self, reason);
  }

  function isUsable(): boolean {
    return phase === 'starting' || phase === 'initializing' || phase === 'running';
  }

  function status(): InstanceStatus {
    switch (phase) {
      case 'starting':
        return InstanceStatus.Starting;
      case 'initializing':
        return InstanceStatus.Initializing;
      case 'running':
        return pending.size > 0 ? InstanceStatus.Busy : InstanceStatus.Ready;
      case 'stopping':
        return InstanceStatus.Stopping;
      case 'destroyed':
        return InstanceStatus.Destroyed;
      default:
        return assertNever(phase);
    }
  }

  return self;
}

function messageFor(reason: DestroyReason): string {
  switch (reason) {
    case DestroyReason.Retired:
      return 'Instance was destroyed because the function was retired';
    case DestroyReason.Shutdown:
      return 'Instance was destroyed because the executor is shutting down';
    case DestroyReason.Idle:
    case DestroyReason.VersionReplaced:
    case DestroyReason.TimedOut:
    case DestroyReason.Stopped:
    case DestroyReason.InitFailed:
    case DestroyReason.Crashed:
      return `Instance was destroyed (${reason})`;
    default:
      return assertNever(reason);
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
