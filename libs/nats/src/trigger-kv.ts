import type { KV } from '@nats-io/kv';
import { kvKeys, type TriggerRecord } from '@asyncfn/contracts';

/**
 * Triggers as the dispatcher's runners and the ingress's HTTP trigger endpoint see them: a map
 * kept current by a watch of the `triggers` bucket, with a direct read on a miss.
 */
export interface TriggerDirectory {
  get(tenant: string, functionName: string, triggerName: string): Promise<TriggerRecord | undefined>;
  /**
   * Calls back at once for every trigger known so far, then on every change (record undefined
   * when deleted), so a listener registered late misses nothing.
   */
  onChange(listener: (key: string, record: TriggerRecord | undefined) => void): void;
  stop(): void;
}

export async function watchTriggers(kv: KV): Promise<TriggerDirectory> {
  const cache = new Map<string, TriggerRecord>();
  const listeners: ((key: string, record: TriggerRecord | undefined) => void)[] = [];
  const watch = await kv.watch();
  void (async () => {
    for await (const entry of watch) {
      const record = entry.operation === 'PUT' ? entry.json<TriggerRecord>() : undefined;
      if (record) cache.set(entry.key, record);
      else cache.delete(entry.key);
      for (const listener of listeners) listener(entry.key, record);
    }
  })();
  return {
    async get(tenant, functionName, triggerName) {
      const key = kvKeys.trigger(tenant, functionName, triggerName);
      const cached = cache.get(key);
      if (cached) return cached;
      const entry = await kv.get(key);
      return entry && entry.operation === 'PUT' ? entry.json<TriggerRecord>() : undefined;
    },
    onChange(listener) {
      listeners.push(listener);
      for (const [key, record] of cache) listener(key, record);
    },
    stop() {
      watch.stop();
    },
  };
}

export async function putTrigger(kv: KV, record: TriggerRecord): Promise<void> {
  await kv.put(
    kvKeys.trigger(record.tenant, record.functionName, record.triggerName),
    JSON.stringify(record),
  );
}

export async function deleteTrigger(
  kv: KV,
  tenant: string,
  functionName: string,
  triggerName: string,
): Promise<void> {
  await kv.delete(kvKeys.trigger(tenant, functionName, triggerName));
}
