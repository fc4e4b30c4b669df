import type { JsonStore } from './json-store.js';

/**
 * A bucket as a map kept current by a watch, with a direct read on a miss (a value written a
 * moment ago may not have been watched yet). Functions and triggers are read this way.
 */
export interface WatchedDirectory<T> {
  get(key: string): Promise<T | undefined>;
  /**
   * Calls back at once for every value known so far, then on every change (undefined when
   * deleted), so a listener registered late misses nothing.
   */
  onChange(listener: (key: string, value: T | undefined) => void): void;
  stop(): void;
}

export async function watchDirectory<T>(store: JsonStore<T>): Promise<WatchedDirectory<T>> {
  const cache = new Map<string, T>();
  const listeners: ((key: string, value: T | undefined) => void)[] = [];
  const watch = await store.watch((key, value) => {
    if (value === undefined) cache.delete(key);
    else cache.set(key, value);
    for (const listener of listeners) listener(key, value);
  });
  return {
    async get(key) {
      return cache.get(key) ?? (await store.get(key));
    },
    onChange(listener) {
      listeners.push(listener);
      for (const [key, value] of cache) listener(key, value);
    },
    stop: () => watch.stop(),
  };
}
