import type { KV, KvEntry } from '@nats-io/kv';

/**
 * One typed store over a KV bucket of JSON values, which every bucket's use builds on: reads that
 * treat a deleted key as absent, atomic create and compare-and-set update that answer false on a
 * conflict instead of throwing, and a watch that hands out decoded values.
 */
export interface JsonStore<T> {
  /** The value, or undefined when the key was never written or is deleted. */
  get(key: string): Promise<T | undefined>;
  /** The value with its revision, for update(). */
  getEntry(key: string): Promise<{ value: T; revision: number } | undefined>;
  put(key: string, value: T): Promise<void>;
  /** Writes only if the key holds nothing; false if it does (atomic). */
  create(key: string, value: T): Promise<boolean>;
  /** Writes only if the key is still at `revision`; false if it moved on (atomic). */
  update(key: string, value: T, revision: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Keys matching a KV filter (`a.b.*`, `a.>`). */
  keys(filter?: string): Promise<string[]>;
  /**
   * Calls back for every key's current value, then for every change (undefined when deleted),
   * until stopped.
   */
  watch(onEntry: (key: string, value: T | undefined) => void): Promise<{ stop(): void }>;
}

/** How the server refuses a create on an existing key or an update at a stale revision. */
const CONFLICT = /wrong last sequence|key exists/i;

const valueOf = <T>(entry: KvEntry | null): T | undefined =>
  entry !== null && entry.operation === 'PUT' ? entry.json<T>() : undefined;

export function jsonStore<T>(kv: KV): JsonStore<T> {
  const conflictAsFalse = async (write: () => Promise<unknown>): Promise<boolean> => {
    try {
      await write();
      return true;
    } catch (err) {
      if (CONFLICT.test((err as Error).message)) return false;
      throw err;
    }
  };
  return {
    async get(key) {
      return valueOf<T>(await kv.get(key));
    },
    async getEntry(key) {
      const entry = await kv.get(key);
      return entry !== null && entry.operation === 'PUT'
        ? { value: entry.json<T>(), revision: entry.revision }
        : undefined;
    },
    async put(key, value) {
      await kv.put(key, JSON.stringify(value));
    },
    create(key, value) {
      return conflictAsFalse(() => kv.create(key, JSON.stringify(value)));
    },
    update(key, value, revision) {
      return conflictAsFalse(() => kv.update(key, JSON.stringify(value), revision));
    },
    async delete(key) {
      await kv.delete(key);
    },
    async keys(filter) {
      const keys: string[] = [];
      for await (const key of await kv.keys(filter)) keys.push(key);
      return keys;
    },
    async watch(onEntry) {
      const watch = await kv.watch();
      void (async () => {
        for await (const entry of watch) onEntry(entry.key, valueOf<T>(entry));
      })();
      return { stop: () => watch.stop() };
    },
  };
}
