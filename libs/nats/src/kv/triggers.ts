import type { KV } from '@nats-io/kv';
import { kvKeys, type TriggerRecord } from '@asyncfn/contracts';
import { jsonStore } from './json-store.js';
import { watchDirectory } from './watched-directory.js';

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
  const directory = await watchDirectory(jsonStore<TriggerRecord>(kv));
  return {
    get: (tenant, functionName, triggerName) =>
      directory.get(kvKeys.trigger(tenant, functionName, triggerName)),
    onChange: (listener) => directory.onChange(listener),
    stop: () => directory.stop(),
  };
}

export async function putTrigger(kv: KV, record: TriggerRecord): Promise<void> {
  await jsonStore<TriggerRecord>(kv).put(
    kvKeys.trigger(record.tenant, record.functionName, record.triggerName),
    record,
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
