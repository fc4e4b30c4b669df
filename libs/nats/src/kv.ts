import { createHash } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import { kvKeys, type FunctionRecord } from '@asyncfn/contracts';

/**
 * Function configs as the dispatcher and executor see them: a map kept current by a KV watch,
 * with a direct read on a miss (a function created a moment ago may not have been watched yet).
 */
export interface FunctionDirectory {
  get(tenant: string, functionName: string): Promise<FunctionRecord | undefined>;
  /** Called with the key and new value (undefined when deleted) on every change. */
  onChange(listener: (key: string, record: FunctionRecord | undefined) => void): void;
  stop(): void;
}

export async function watchFunctions(kv: KV): Promise<FunctionDirectory> {
  const cache = new Map<string, FunctionRecord>();
  const listeners: ((key: string, record: FunctionRecord | undefined) => void)[] = [];
  const watch = await kv.watch();
  void (async () => {
    for await (const entry of watch) {
      const record = entry.operation === 'PUT' ? entry.json<FunctionRecord>() : undefined;
      if (record) cache.set(entry.key, record);
      else cache.delete(entry.key);
      for (const listener of listeners) listener(entry.key, record);
    }
  })();
  return {
    async get(tenant, functionName) {
      const key = kvKeys.function(tenant, functionName);
      const cached = cache.get(key);
      if (cached) return cached;
      const entry = await kv.get(key);
      return entry && entry.operation === 'PUT' ? entry.json<FunctionRecord>() : undefined;
    },
    onChange(listener) {
      listeners.push(listener);
    },
    stop() {
      watch.stop();
    },
  };
}

export async function putFunction(kv: KV, record: FunctionRecord): Promise<void> {
  await kv.put(kvKeys.function(record.tenant, record.functionName), JSON.stringify(record));
}

export async function deleteFunction(kv: KV, tenant: string, functionName: string): Promise<void> {
  await kv.delete(kvKeys.function(tenant, functionName));
}

/** Stop requests: written by the ingress, read at dequeue and start, watched by executors. */
export interface StopRequest {
  tenant: string;
  taskId: string;
  functionName: string;
  requestedAt: number;
  /** Extension: after this moment the instance is killed without waiting for PreStop. */
  forceAt?: number;
}

export interface StopRequests {
  request(stop: StopRequest): Promise<void>;
  isRequested(tenant: string, taskId: string): Promise<boolean>;
  /** Calls back for every stop request made from now on (and those already made, on start). */
  watch(listener: (stop: StopRequest) => void): Promise<{ stop(): void }>;
}

export function createStopRequests(kv: KV): StopRequests {
  return {
    async request(stop) {
      await kv.put(kvKeys.stop(stop.tenant, stop.taskId), JSON.stringify(stop));
    },
    async isRequested(tenant, taskId) {
      const entry = await kv.get(kvKeys.stop(tenant, taskId));
      return entry !== null && entry.operation === 'PUT';
    },
    async watch(listener) {
      const watch = await kv.watch();
      void (async () => {
        for await (const entry of watch) {
          if (entry.operation === 'PUT') listener(entry.json<StopRequest>());
        }
      })();
      return { stop: () => watch.stop() };
    },
  };
}

/**
 * The auth NonceStore port on a KV bucket: `create` fails if the key exists, atomically. Nonces
 * and AccessKey ids may hold characters KV keys cannot, so the key is a hash of both.
 */
export function createNonceStore(kv: KV): { claim(accessKeyId: string, nonce: string): Promise<boolean> } {
  return {
    async claim(accessKeyId, nonce) {
      try {
        await kv.create(createHash('sha256').update(`${accessKeyId}\n${nonce}`).digest('hex'), '');
        return true;
      } catch (err) {
        if (/wrong last sequence|key exists/i.test((err as Error).message)) return false;
        throw err;
      }
    },
  };
}
