import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { OpenChannel } from './channel.js';
import {
  beforeKill,
  initializationFailed,
  initializeMessage,
  initTimeoutMessage,
  initTimeoutSeconds,
  type EndRequest,
} from './instance-hooks.js';
import { createIdleCycle } from './instance-idle.js';
import { createInvocationBook, newInvocation } from './instance-invocations.js';
import {
  assertNever,
  destroyMessage,
  isUsable,
  judgeExit,
  outcomeAtExit,
  statusOf,
  type Phase,
} from './instance-lifecycle.js';
import { outOfMemoryMessage, startMemoryGuard, startTimeoutMessage } from './instance-limits.js';
import { createAnswerWaiters } from './instance-messages.js';
import { spawnInstance } from './instance-process.js';
import type { ChildMessage } from './protocol.js';
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

/**
 * The instance's state machine (`instance-lifecycle.ts`) driving its process
 * (`instance-process.ts`): it starts, initialises (`instance-hooks.ts`), serves its invocations
 * (`instance-invocations.ts`) within their limits (`instance-limits.ts`), freezes and rests when
 * idle (`instance-idle.ts`) and is ended, settling every invocation it was given exactly once.
 */
export function createInstance(o: InstanceOptions): Instance {
  const { spec } = o;
  const id = randomUUID();
  const createdTimeMs = Date.now();
  let phase: Phase = 'starting';
  let phaseTimer: NodeJS.Timeout | undefined;
  let memoryGuard: { stop(): void } | undefined;
  let initStartedAt = 0;
  let destroyReason: DestroyReason = DestroyReason.Crashed;
  let destroyedTimeMs: number | undefined;
  /** What in-flight invocations without a fate are told when we, not the child, end the process. */
  let killMessage = '';
  let stopping: Promise<void> | undefined;
  let lastStatus: InstanceStatus = InstanceStatus.Starting;
  let resolveExited!: () => void;
  const exited = new Promise<void>((resolve) => (resolveExited = resolve));
  const answers = createAnswerWaiters(() => phase === 'destroyed');
  const book = createInvocationBook({
    instanceId: id,
    timeoutSeconds: spec.timeoutSeconds,
    process: () => proc,
    terminate: (reason, message, how) => void terminate(reason, message, how),
    onSettled(remaining) {
      if (remaining === 0 && phase === 'running' && !idle.isFreezing()) idle.begin();
      else notify();
    },
  });
  const idle = createIdleCycle({
    spec,
    instanceId: id,
    idleTimeoutMs: o.idleTimeoutMs,
    ...(o.logger ? { logger: o.logger } : {}),
    send: (msg) => proc.send(msg),
    waitForPreFreeze: (requestId, ms) => answers.waitFor('preFreeze', requestId, ms),
    isRunning: () => phase === 'running',
    dispatchQueued: () => book.dispatchQueued(),
    notify,
    onRest: () => o.onIdle(self),
    reclaim: () => void self.destroy(DestroyReason.Idle),
    discard: (message) => void terminate(DestroyReason.PreFreezeTimedOut, message, {}),
  });

  const self: Instance = {
    id,
    key: spec.key,
    versionId: spec.versionId,
    hasCapacity: (concurrency) => isUsable(phase) && book.inFlight.size < Math.max(1, concurrency),
    isIdle: () => isUsable(phase) && book.inFlight.size === 0,
    invoke,
    destroy: (reason) => terminate(reason, destroyMessage(reason), { preStopId: randomUUID() }),
    info: () => ({
      instanceId: id,
      key: spec.key,
      versionId: spec.versionId,
      tenant: o.first.tenant,
      functionName: o.first.functionName,
      pid: proc.pid(),
      status: status(),
      createdTimeMs,
      ...(destroyedTimeMs !== undefined ? { destroyedTimeMs } : {}),
      inFlight: book.inFlight.size,
      invocations: book.admitted(),
    }),
  };

  phaseTimer = setTimeout(() => {
    void terminate(DestroyReason.InitFailed, startTimeoutMessage(o.startTimeoutMs), {});
  }, o.startTimeoutMs);
  const proc = spawnInstance({
    openChannel: o.openChannel,
    channel: { spec, instanceId: id, functionName: o.first.functionName, tenant: o.first.tenant },
    inFlight: book.inFlight,
    ...(o.logger ? { logger: o.logger } : {}),
    onMessage,
    onSpawned() {
      memoryGuard = startMemoryGuard({
        intervalMs: o.memoryCheckIntervalMs,
        probe: { kernelOutOfMemory: proc.kernelOutOfMemory, sample: proc.sample },
        memorySizeMB: spec.memorySizeMB,
        isEnding: () => stopping !== undefined,
        onOverLimit: (rssMB) =>
          o.logger?.warn(
            { instanceId: id, key: spec.key, rssMB: Math.round(rssMB), limitMB: spec.memorySizeMB },
            'runtime: instance over its memory size; killed',
          ),
        onOutOfMemory: () =>
          void terminate(DestroyReason.OutOfMemory, outOfMemoryMessage(spec.memorySizeMB), {}),
      });
    },
    isEnding: () => phase === 'stopping',
    onGone: finalize,
  });

  function onMessage(msg: ChildMessage): void {
    switch (msg.type) {
      case 'ready':
        if (phase !== 'starting') return;
        clearTimeout(phaseTimer);
        phase = 'initializing';
        notify();
        initStartedAt = performance.now();
        proc.send(initializeMessage(spec, o.first));
        phaseTimer = setTimeout(
          () => failInitialization(initTimeoutMessage(spec)),
          initTimeoutSeconds(spec) * 1000,
        );
        return;
      case 'initialized':
        if (phase !== 'initializing') return;
        clearTimeout(phaseTimer);
        phase = 'running';
        o.onInitialized(self, performance.now() - initStartedAt);
        book.dispatchQueued();
        if (book.inFlight.size === 0) idle.begin();
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
        answers.answered('reply', msg.requestId);
        book.onReply(msg);
        return;
      case 'preFreezeDone':
      case 'preStopDone': {
        const hook = msg.type === 'preStopDone' ? 'preStop' : 'preFreeze';
        if (msg.error) {
          o.logger?.warn({ instanceId: id, key: spec.key, ...msg.error }, `runtime: ${hook} failed`);
        }
        answers.answered(hook, msg.requestId);
        return;
      }
      default:
        return assertNever(msg);
    }
  }

  function invoke(
    req: InvokeRequest,
    signal?: AbortSignal,
    killSignal?: AbortSignal,
  ): Promise<InvokeOutcome> {
    return new Promise<InvokeOutcome>((resolve) => {
      const inv = newInvocation(req, phase !== 'running', o.maxLogBytes, resolve);
      const duplicate = book.inFlight.has(req.requestId);
      if (!isUsable(phase) || duplicate) {
        // The pool never does this; answer rather than hang if it ever does.
        const why = duplicate ? 'a duplicate request id' : 'an instance that is going away';
        resolve({ kind: 'crashed', errorMessage: `Invocation was given ${why}`, ...book.baseOf(inv) });
        return;
      }
      idle.cancelReclaim();
      book.admit(inv, signal, killSignal);
      if (phase === 'running' && !idle.isFreezing()) book.dispatch(inv);
      notify();
    });
  }

  function failInitialization(errorMessage: string): void {
    book.settleAll((_, base) => initializationFailed(errorMessage, base));
    void terminate(DestroyReason.InitFailed, errorMessage, {});
  }

  /**
   * Ends the process: optionally runs preStop (bounded by its timeout) or gives one invocation a
   * grace period to react to its aborted signal, then SIGKILL. Idempotent; resolves when gone.
   */
  function terminate(reason: DestroyReason, message: string, how: EndRequest): Promise<void> {
    if (stopping) return stopping;
    const wasRunning = phase === 'running';
    phase = phase === 'destroyed' ? phase : 'stopping';
    destroyReason = reason;
    killMessage = message;
    clearTimeout(phaseTimer);
    idle.cancelReclaim();
    notify();
    stopping = (async () => {
      const wait = beforeKill(spec, how, wasRunning, o.killGraceMs);
      if (wait.kind === 'preStop') {
        proc.send({ type: 'preStop', requestId: wait.requestId });
        await answers.waitFor('preStop', wait.requestId, wait.waitMs);
      } else if (wait.kind === 'grace') {
        await answers.waitFor('reply', wait.requestId, wait.waitMs);
      }
      proc.kill();
      await exited;
    })();
    return stopping;
  }

  function finalize(code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void {
    if (phase === 'destroyed') return;
    const ownDeath = stopping === undefined;
    phase = 'destroyed';
    destroyedTimeMs = Date.now();
    clearTimeout(phaseTimer);
    idle.cancelReclaim();
    memoryGuard?.stop();
    proc.release();
    answers.releaseAll();
    const { reason, crash } = judgeExit({
      ownDeath,
      kernelOutOfMemory: ownDeath && proc.kernelOutOfMemory(),
      ...(spawnError ? { spawnError } : {}),
      code,
      signal,
      stderrTail: proc.stderrTail(),
      requestedReason: destroyReason,
      killMessage,
      codeDir: spec.codeDir,
      memorySizeMB: spec.memorySizeMB,
    });
    if (ownDeath) {
      o.logger?.warn(
        { instanceId: id, key: spec.key, code, signal, crash },
        'runtime: instance exited unexpectedly',
      );
    }
    book.settleAll((inv, base) => outcomeAtExit(inv.fate, crash, spec.timeoutSeconds, base));
    resolveExited();
    notify();
    o.onDestroyed(self, reason);
  }

  function status(): InstanceStatus {
    return statusOf(phase, book.inFlight.size, idle.isFreezing());
  }

  function notify(): void {
    const now = status();
    if (now === lastStatus) return;
    lastStatus = now;
    o.onChange(self);
  }

  return self;
}
