import type { KV } from '@nats-io/kv';
import { kvKeys } from '@asyncfn/contracts';
import { jsonStore } from './json-store.js';

/** Stop requests: written by the ingress, read at dequeue and start, watched by executors. */
export interface StopRequest {
  tenant: string;
  taskId: string;
  functionName: string;
  requestedAt: number;
  /** Extension: after this moment the instance is killed without waiting for PreStop. */
  forceAt?: number;
  /**
   * Set by the executor that reported the task Stopped while it waited for a retry: the retry's
   * redelivery, if it still comes, must acknowledge without reporting Stopped again.
   */
  settledAt?: number;
}

export interface StopRequests {
  request(stop: StopRequest): Promise<void>;
  isRequested(tenant: string, taskId: string): Promise<boolean>;
  get(tenant: string, taskId: string): Promise<StopRequest | undefined>;
  /** Records that TaskStopped was published for this stop (see `settledAt`). */
  markSettled(stop: StopRequest, at: number): Promise<void>;
  /** Calls back for every stop request made from now on (and those already made, on start). */
  watch(listener: (stop: StopRequest) => void): Promise<{ stop(): void }>;
}

export function createStopRequests(kv: KV): StopRequests {
  const store = jsonStore<StopRequest>(kv);
  return {
    async request(stop) {
      await store.put(kvKeys.stop(stop.tenant, stop.taskId), stop);
    },
    async isRequested(tenant, taskId) {
      return (await store.get(kvKeys.stop(tenant, taskId))) !== undefined;
    },
    get(tenant, taskId) {
      return store.get(kvKeys.stop(tenant, taskId));
    },
    async markSettled(stop, at) {
      await store.put(kvKeys.stop(stop.tenant, stop.taskId), { ...stop, settledAt: at });
    },
    watch(listener) {
      return store.watch((_key, stop) => {
        if (stop) listener(stop);
      });
    },
  };
}

/**
 * Stop requests read from memory: one watch keeps every request in a map, so the per-task checks
 * of dispatchers and executors cost no round trip (a KV miss is a request and an error object per
 * task). A request written a moment ago may not have arrived yet: the watch's listeners (the
 * executor stopping a running attempt) act on it when it does. Unlike a WatchedDirectory, a miss
 * is not read from the bucket: that round trip per task is what the mirror is for.
 */
export async function mirrorStopRequests(kv: KV): Promise<StopRequests & { close(): void }> {
  const direct = createStopRequests(kv);
  const known = new Map<string, StopRequest>();
  const listeners = new Set<(stop: StopRequest) => void>();
  const watch = await jsonStore<StopRequest>(kv).watch((key, stop) => {
    if (!stop) {
      known.delete(key);
      return;
    }
    known.set(key, stop);
    for (const listener of listeners) listener(stop);
  });
  return {
    ...direct,
    async isRequested(tenant, taskId) {
      return known.has(kvKeys.stop(tenant, taskId));
    },
    async get(tenant, taskId) {
      return known.get(kvKeys.stop(tenant, taskId));
    },
    async watch(listener) {
      for (const stop of known.values()) listener(stop);
      listeners.add(listener);
      return { stop: () => listeners.delete(listener) };
    },
    close: () => watch.stop(),
  };
}
