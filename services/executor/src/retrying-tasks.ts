import type { EventBus, StopRequest, StopRequests } from '@asyncfn/nats';

/** A task this executor handed back to JetStream with a retry delay (nak), waiting to run again. */
export interface HeldRetry {
  tenant: string;
  taskId: string;
  functionName: string;
  /** The failed attempt. */
  attempt: number;
  /** Stream sequence of the run message, so the retry can be withdrawn. */
  seq: number;
  retryAt: number;
  traceparent?: string;
}

/**
 * Stops for tasks in Retrying. The retry is the run message nak'd with a delay, so its stop would
 * otherwise be noticed only at redelivery; the executor that nak'd it remembers it and, when the
 * stop arrives, reports Stopped at once: TaskStopped, then `settledAt` on the stop request, then
 * the message is deleted from the stream. The order leaves no way to lose the stop: if this
 * executor dies midway, the redelivery finds the stop request and reports Stopped itself; if the
 * delete loses a race with the redelivery, that delivery sees `settledAt` and acknowledges
 * silently. A stop close to the retry time is left to the redelivery, so the two never overlap.
 */
export interface RetryingTasks {
  hold(retry: HeldRetry): void;
  /** The run message came back (to this executor or another): nothing to do any more. */
  release(tenant: string, taskId: string): void;
  /** Returns whether the stop was handled here. */
  stop(request: StopRequest): Promise<boolean>;
}

/** Closer than this to its retry time, a stop is left to the redelivery. */
const HAND_OVER_MS = 1_000;
/** A held retry is forgotten this long after its retry time (its redelivery went elsewhere). */
const FORGET_AFTER_MS = 60_000;

export function createRetryingTasks(deps: {
  bus: EventBus;
  stops: StopRequests;
  /** Deletes the run message; resolves false if it is gone already. */
  withdraw(seq: number): Promise<boolean>;
  clock?: () => number;
}): RetryingTasks {
  const clock = deps.clock ?? Date.now;
  const held = new Map<string, HeldRetry>();
  const key = (tenant: string, taskId: string) => `${tenant}:${taskId}`;
  const forget = () => {
    for (const [k, retry] of held) if (retry.retryAt + FORGET_AFTER_MS < clock()) held.delete(k);
  };
  return {
    hold(retry) {
      forget();
      held.set(key(retry.tenant, retry.taskId), retry);
    },
    release(tenant, taskId) {
      held.delete(key(tenant, taskId));
    },
    async stop(request) {
      const k = key(request.tenant, request.taskId);
      const retry = held.get(k);
      if (!retry || request.settledAt !== undefined) return false;
      if (retry.retryAt - clock() < HAND_OVER_MS) return false;
      held.delete(k);
      await deps.bus.publish({
        type: 'TaskStopped',
        taskId: retry.taskId,
        tenant: retry.tenant,
        functionName: retry.functionName,
        attempt: retry.attempt,
        reason: 'stopped while waiting to retry',
        ...(retry.traceparent ? { traceparent: retry.traceparent } : {}),
      });
      await deps.stops.markSettled(request, clock());
      await deps.withdraw(retry.seq);
      return true;
    },
  };
}
