import { randomUUID } from 'node:crypto';
import { onIdle, preFreezeTimeoutMessage } from './instance-hooks.js';
import type { ParentMessage } from './protocol.js';
import type { FunctionSpec, RuntimeLogger } from './types.js';

/**
 * An instance with nothing in flight: preFreeze runs (bounded by its timeout; invocations that
 * arrive meanwhile wait for it), then the instance rests until work arrives or `idleTimeoutMs`
 * passes and it is reclaimed.
 */
export interface IdleCycle {
  /** Nothing is in flight any more. */
  begin(): void;
  /** preFreeze is running: invocations that arrive wait for it. */
  isFreezing(): boolean;
  /** Work arrived, or the instance is ending: it is not reclaimed for idleness. */
  cancelReclaim(): void;
}

export interface IdleCycleOptions {
  spec: FunctionSpec;
  instanceId: string;
  idleTimeoutMs: number;
  logger?: RuntimeLogger;
  send(msg: ParentMessage): void;
  waitForPreFreeze(requestId: string, ms: number): Promise<boolean>;
  /** Still running when preFreeze ends (not stopping or gone). */
  isRunning(): boolean;
  /** Dispatches the invocations that waited for preFreeze; false when there were none. */
  dispatchQueued(): boolean;
  notify(): void;
  /** Idle and frozen (the pool retires idle instances of replaced versions). */
  onRest(): void;
  /** Rested `idleTimeoutMs` with no work. */
  reclaim(): void;
  /** preFreeze did not finish in time: the instance is discarded with this message. */
  discard(message: string): void;
}

export function createIdleCycle(o: IdleCycleOptions): IdleCycle {
  let freezing = false;
  let reclaimTimer: NodeJS.Timeout | undefined;

  function rest(): void {
    reclaimTimer = setTimeout(o.reclaim, o.idleTimeoutMs);
    reclaimTimer.unref();
    o.notify();
    o.onRest();
  }

  async function freeze(handler: string, timeoutSeconds: number): Promise<void> {
    freezing = true;
    o.notify();
    const requestId = randomUUID();
    o.send({ type: 'preFreeze', requestId });
    const answered = await o.waitForPreFreeze(requestId, timeoutSeconds * 1000);
    freezing = false;
    if (!o.isRunning()) return;
    if (!answered) {
      o.logger?.warn(
        { instanceId: o.instanceId, key: o.spec.key },
        'runtime: preFreeze timed out; instance discarded',
      );
      o.discard(preFreezeTimeoutMessage(handler, timeoutSeconds));
      return;
    }
    if (!o.dispatchQueued()) return rest();
    o.notify();
  }

  return {
    begin() {
      clearTimeout(reclaimTimer);
      const next = onIdle(o.spec);
      if (next.kind === 'preFreeze') void freeze(next.handler, next.timeoutSeconds);
      else rest();
    },
    isFreezing: () => freezing,
    cancelReclaim: () => clearTimeout(reclaimTimer),
  };
}
