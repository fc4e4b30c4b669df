import type { KV } from '@nats-io/kv';
import { kvKeys, type FunctionRecord } from '@asyncfn/contracts';
import { jsonStore } from './json-store.js';
import { watchDirectory } from './watched-directory.js';

/**
 * Function configs as the dispatcher, executor and destination see them: a map kept current by a
 * KV watch, with a direct read on a miss.
 */
export interface FunctionDirectory {
  get(tenant: string, functionName: string): Promise<FunctionRecord | undefined>;
  /**
   * Called with the key and new value (undefined when deleted) for every function known so far,
   * then on every change.
   */
  onChange(listener: (key: string, record: FunctionRecord | undefined) => void): void;
  stop(): void;
}

export async function watchFunctions(kv: KV): Promise<FunctionDirectory> {
  const directory = await watchDirectory(jsonStore<FunctionRecord>(kv));
  return {
    get: (tenant, functionName) => directory.get(kvKeys.function(tenant, functionName)),
    onChange: (listener) => directory.onChange(listener),
    stop: () => directory.stop(),
  };
}

export async function putFunction(kv: KV, record: FunctionRecord): Promise<void> {
  await jsonStore<FunctionRecord>(kv).put(kvKeys.function(record.tenant, record.functionName), record);
}

export async function deleteFunction(kv: KV, tenant: string, functionName: string): Promise<void> {
  await kv.delete(kvKeys.function(tenant, functionName));
}
