import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { InstanceChannel, OpenChannel } from './channel.js';
import { describeExit } from './exit-reason.js';
import { captureOutput, type InstanceOutput } from './instance-output.js';
import { createLogBuffer, type LogBuffer } from './log-buffer.js';
import { openProcReader, type ProcReader, type ProcSample } from './proc-stats.js';
import { AbortReason, type ChildMessage, type ParentMessage } from './protocol.js';
import {
  DestroyReason,
  InstanceStatus,
  type FunctionSpec,
  type InstanceInfo,
  type InvokeOutcome,
  type InvokeRequest,
  type OutcomeCommon,
  type ResourceUsage,
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
  invoke(req: InvokeRequest, signal?: AbortSignal, killSignal?: AbortSignal): Promise<InvokeOutcome>;
  /** preStop (bounded by its timeout), then SIGKILL; resolves once the process is gone. */
  destroy(reason: DestroyReason): Promise<void>;
  info(): InstanceInfo;
}

export interface InstanceOptions {
  spec: FunctionSpec;
  /** The request that caused the cold start: names the function and the initializer's context. */
  first: InvokeRequest;
  /** Spawns the process: the Node shim or a custom runtime's server. */
  openChannel: OpenChannel;
  idleTimeoutMs: number;
  killGraceMs: number;
  startTimeoutMs: number;
  maxLogBytes: number;
  /** 0: no RSS guard. */
  memoryCheckIntervalMs: number;
  logger?: RuntimeLogger;
  onInitialized(instance: Instance, initDurationMs: number): void;
  /** Nothing in flight any more, preFreeze done (the pool retires idle instances of replaced versions). */
  onIdle(instance: Instance): void;
  /** The status changed (see `InstanceStatus`). */
  onChange(instance: Instance): void;
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
  /** The process's CPU time when the invocation was dispatched. */
  cpuStartMs?: number;
  detachSignals?: () => void;
  resolve(outcome: InvokeOutcome): void;
}

/** After 'exit', how long to wait for the pipes to drain ('close') before settling anyway. */
const CLOSE_WAIT_MS = 250;

/** Until the process exists there is no output to capture. */
const NO_OUTPUT: InstanceOutput = { flush() {}, stderrTail: () => '' };

export function createInstance(o: InstanceOptions): Instance {
  const { spec } = o;
  const id = randomUUID();
  const createdTimeMs = Date.now();
  const pending = new Map<string, Invocation>();
  /** Resolvers for "the child answered X", keyed `reply:<id>` / `preStop:<id>` / `preFreeze:<id>`. */
  const waiters = new Map<string, () => void>();
  let phase: Phase = 'starting';
  /** preFreeze is running: invocations that arrive wait for it. */
  let freezing = false;
  let invocations = 0;
  let phaseTimer: NodeJS.Timeout | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let guardTimer: NodeJS.Timeout | undefined;
  let initStartedAt = 0;
  let destroyReason: DestroyReason = DestroyReason.Crashed;
  let destroyedTimeMs: number | undefined;
  /** What in-flight invocations without a fate are told when we, not the child, end the process. */
  let killMessage = '';
  let spawnError: Error | undefined;
  let stopping: Promise<void> | undefined;
  let channel: InstanceChannel | undefined;
  let proc: ProcReader | undefined;
  let output = NO_OUTPUT;
  /** The latest /proc reading, for outcomes settled after the process is gone. */
  let lastSample: ProcSample | undefined;
  let lastStatus: InstanceStatus = InstanceStatus.Starting;
  let resolveExited!: () => void;
  const exited = new Promise<void>((resolve) => (resolveExited = resolve));

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
      tenant: o.first.tenant,
      functionName: o.first.functionName,
      pid: channel?.child.pid ?? 0,
      status: status(),
      createdTimeMs,
      ...(destroyedTimeMs !== undefined ? { destroyedTimeMs } : {}),
      inFlight: pending.size,
      invocations,
    }),
  };

  // ---- process wiring -------------------------------------------------------------------

  phaseTimer = setTimeout(() => {
    void terminate(
      DestroyReason.InitFailed,
      `Instance process did not start within ${o.startTimeoutMs} ms`,
      {},
    );
  }, o.startTimeoutMs);
  o.openChannel({
    spec,
    instanceId: id,
    functionName: o.first.functionName,
    tenant: o.first.tenant,
    ...(o.logger ? { logger: o.logger } : {}),
    onMessage: (msg) => {
      try {
        onMessage(msg);
      } catch (err) {
        // A bug here must not become an uncaught exception in the executor.
        o.logger?.error({ err, instanceId: id }, 'runtime: failed to handle an instance message');
      }
    },
  }).then(attach, (err: Error) => {
    spawnError = err;
    finalize(null, null);
  });

  function attach(ch: InstanceChannel): void {
    channel = ch;
    const { child } = ch;
    if (child.pid !== undefined) proc = ch.stats ?? openProcReader(child.pid);
    output = captureOutput(child, pending, (line) =>
      o.logger?.debug({ instanceId: id, key: spec.key, line }, 'runtime: instance output'),
    );
    // Send/kill races on a dying child end up here; the exit tells the real story.
    child.on('error', (err) => o.logger?.debug({ err, instanceId: id }, 'runtime: instance process error'));
    child.on('exit', (code, signal) => setTimeout(() => finalize(code, signal), CLOSE_WAIT_MS));
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => finalize(code, signal));
    if (o.memoryCheckIntervalMs > 0) {
      guardTimer = setInterval(checkMemory, o.memoryCheckIntervalMs);
      guardTimer.unref();
    }
    // Ended while it was being spawned (shutdown, start timeout).
    if (phase === 'stopping') ch.kill();
  }

  function send(msg: ParentMessage): void {
    channel?.send(msg);
  }

  function onMessage(msg: ChildMessage): void {
    switch (msg.type) {
      case 'ready':
        if (phase !== 'starting') return;
        clearTimeout(phaseTimer);
        phase = 'initializing';
        notify();
        initStartedAt = performance.now();
        send({
          type: 'initialize',
          requestId: o.first.requestId,
          handler: spec.handler,
          ...(spec.initializer ? { initializer: spec.initializer.handler } : {}),
          ...(spec.preStop ? { preStop: spec.preStop.handler } : {}),
          ...(spec.preFreeze ? { preFreeze: spec.preFreeze.handler } : {}),
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
        else notify();
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
      case 'preFreezeDone':
      case 'preStopDone': {
        const hook = msg.type === 'preStopDone' ? 'preStop' : 'preFreeze';
        if (msg.error) {
          o.logger?.warn({ instanceId: id, key: spec.key, ...msg.error }, `runtime: ${hook} failed`);
        }
        waiters.get(`${hook}:${msg.requestId}`)?.();
        return;
      }
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

  function invoke(
    req: InvokeRequest,
    signal?: AbortSignal,
    killSignal?: AbortSignal,
  ): Promise<InvokeOutcome> {
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
      const onStop = (): void => stop(inv);
      const onKill = (): void => forceStop(inv);
      signal?.addEventListener('abort', onStop, { once: true });
      killSignal?.addEventListener('abort', onKill, { once: true });
      inv.detachSignals = () => {
        signal?.removeEventListener('abort', onStop);
        killSignal?.removeEventListener('abort', onKill);
      };
      if (phase === 'running' && !freezing) dispatch(inv);
      notify();
    });
  }

  function dispatch(inv: Invocation): void {
    inv.dispatched = true;
    if (proc) {
      const cpuMs = proc.cpuMs();
      if (cpuMs !== undefined) inv.cpuStartMs = cpuMs;
      // The high-water mark becomes this invocation's own when nothing else runs beside it.
      if (dispatchedCount() === 1) proc.resetPeakRss();
    }
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

  function dispatchedCount(): number {
    let n = 0;
    for (const inv of pending.values()) if (inv.dispatched) n += 1;
    return n;
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

  /** A graceful stop: context.signal aborts, preStop runs (bounded), then the process is killed. */
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

  /** A forced stop (its deadline passed): kill now, whatever preStop is doing. */
  function forceStop(inv: Invocation): void {
    if (inv.answered || !pending.has(inv.req.requestId)) return;
    if (!inv.dispatched) {
      settle(inv, (base) => ({ kind: 'stopped', ...base }));
      return;
    }
    if (!inv.fate) {
      inv.fate = 'stopped';
      send({ type: 'abort', requestId: inv.req.requestId, reason: AbortReason.Stop });
    }
    void terminate(
      DestroyReason.Stopped,
      'Instance was stopped because a concurrent invocation was stopped',
      {},
    );
    kill();
  }

  function settle(inv: Invocation, make: (base: OutcomeCommon) => InvokeOutcome): void {
    if (pending.get(inv.req.requestId) !== inv) return;
    // A trailing line without "\n" belongs to whoever was running (exactly, if only one was).
    if (pending.size === 1) {
      output.flush();
    }
    pending.delete(inv.req.requestId);
    clearTimeout(inv.timer);
    inv.detachSignals?.();
    inv.resolve(make(baseOf(inv)));
    if (pending.size === 0 && phase === 'running' && !freezing) becameIdle();
    else notify();
  }

  function baseOf(inv: Invocation): OutcomeCommon {
    const usage = usageOf(inv);
    return {
      instanceId: id,
      durationMs: Math.round(performance.now() - inv.startedAt),
      logs: inv.logs.text(),
      ...(usage ? { usage } : {}),
    };
  }

  function usageOf(inv: Invocation): ResourceUsage | undefined {
    if (inv.cpuStartMs === undefined) return undefined;
    // Once the instance is destroyed its reader is closed and answers nothing: the last sample serves.
    const now = proc?.sample();
    if (now) lastSample = now;
    const sample = now ?? lastSample;
    if (!sample) return undefined;
    return {
      cpuTimeMs: Math.max(0, Math.round(sample.cpuMs - inv.cpuStartMs)),
      peakMemoryMB: Math.ceil(sample.peakMB),
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
    if (spec.preFreeze) void freeze(spec.preFreeze.handler, spec.preFreeze.timeoutSeconds);
    else rest();
  }

  /** Idle and frozen: reclaimed after idleTimeoutMs unless work arrives. */
  function rest(): void {
    idleTimer = setTimeout(() => void self.destroy(DestroyReason.Idle), o.idleTimeoutMs);
    idleTimer.unref();
    notify();
    o.onIdle(self);
  }

  /** preFreeze, bounded by its timeout; invocations arriving meanwhile wait for it. */
  async function freeze(handler: string, timeoutSeconds: number): Promise<void> {
    freezing = true;
    notify();
    const requestId = randomUUID();
    send({ type: 'preFreeze', requestId });
    const answered = await waitFor(`preFreeze:${requestId}`, timeoutSeconds * 1000);
    freezing = false;
    if (phase !== 'running') return;
    if (!answered) {
      o.logger?.warn({ instanceId: id, key: spec.key }, 'runtime: preFreeze timed out; instance discarded');
      void terminate(
        DestroyReason.PreFreezeTimedOut,
        `PreFreeze '${handler}' timed out after ${timeoutSeconds} seconds`,
        {},
      );
      return;
    }
    const queued = [...pending.values()].filter((inv) => !inv.dispatched);
    if (queued.length === 0) return rest();
    for (const inv of queued) dispatch(inv);
    notify();
  }

  function checkMemory(): void {
    if (stopping) return;
    // The kernel enforces a sandbox's limit itself; a process it killed (maybe a child while the
    // main one lives on) makes the instance an out-of-memory casualty, as the RSS guard would.
    if (channel?.outOfMemory?.()) {
      void terminate(DestroyReason.OutOfMemory, outOfMemoryMessage(), {});
      return;
    }
    const sample = proc?.sample();
    if (!sample) return;
    lastSample = sample;
    if (sample.rssMB <= spec.memorySizeMB) return;
    o.logger?.warn(
      { instanceId: id, key: spec.key, rssMB: Math.round(sample.rssMB), limitMB: spec.memorySizeMB },
      'runtime: instance over its memory size; killed',
    );
    void terminate(DestroyReason.OutOfMemory, outOfMemoryMessage(), {});
  }

  function outOfMemoryMessage(): string {
    return `Process ran out of memory (limit ${spec.memorySizeMB} MB)`;
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
    notify();
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

  /** Resolves true when the answer came, false when `ms` passed first (or the process is gone). */
  function waitFor(key: string, ms: number): Promise<boolean> {
    if (phase === 'destroyed') return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const done = (answered: boolean): void => {
        clearTimeout(timer);
        waiters.delete(key);
        resolve(answered);
      };
      const timer = setTimeout(() => done(false), ms);
      waiters.set(key, () => done(phase !== 'destroyed'));
    });
  }

  function kill(): void {
    channel?.kill();
  }

  function finalize(code: number | null, signal: NodeJS.Signals | null): void {
    if (phase === 'destroyed') return;
    const ownDeath = stopping === undefined;
    phase = 'destroyed';
    destroyedTimeMs = Date.now();
    clearTimeout(phaseTimer);
    clearTimeout(idleTimer);
    clearInterval(guardTimer);
    proc?.close();
    channel?.close();
    output.flush();
    for (const done of [...waiters.values()]) done();
    const killedForMemory = ownDeath && channel?.outOfMemory?.() === true;
    const reason = killedForMemory
      ? DestroyReason.OutOfMemory
      : ownDeath
        ? DestroyReason.Crashed
        : destroyReason;
    const crash = spawnError
      ? `Failed to start instance process in ${spec.codeDir}: ${spawnError.message}`
      : killedForMemory
        ? outOfMemoryMessage()
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
    notify();
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
        if (pending.size > 0) return InstanceStatus.Busy;
        return freezing ? InstanceStatus.Freezing : InstanceStatus.Frozen;
      case 'stopping':
        return InstanceStatus.Stopping;
      case 'destroyed':
        return InstanceStatus.Destroyed;
      default:
        return assertNever(phase);
    }
  }

  function notify(): void {
    const now = status();
    if (now === lastStatus) return;
    lastStatus = now;
    o.onChange(self);
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
    case DestroyReason.OutOfMemory:
    case DestroyReason.PreFreezeTimedOut:
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
