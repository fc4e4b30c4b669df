import { createHash } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import { kvKeys, type FunctionRecord, type InstanceRecord, type TaskLogRecord } from '@asyncfn/contracts';

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
  return {
    async request(stop) {
      await kv.put(kvKeys.stop(stop.tenant, stop.taskId), JSON.stringify(stop));
    },
    async isRequested(tenant, taskId) {
      const entry = await kv.get(kvKeys.stop(tenant, taskId));
      return entry !== null && entry.operation === 'PUT';
    },
    async get(tenant, taskId) {
      const entry = await kv.get(kvKeys.stop(tenant, taskId));
      return entry !== null && entry.operation === 'PUT' ? entry.json<StopRequest>() : undefined;
    },
    async markSettled(stop, at) {
      await kv.put(kvKeys.stop(stop.tenant, stop.taskId), JSON.stringify({ ...stop, settledAt: at }));
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
 * Stop requests read from memory: one watch keeps every request in a map, so the per-task checks
 * of dispatchers and executors cost no round trip (a KV miss is a request and an error object per
 * task). A request written a moment ago may not have arrived yet: the watch's listeners (the
 * executor stopping a running attempt) act on it when it does.
 */
export async function mirrorStopRequests(kv: KV): Promise<StopRequests & { close(): void }> {
  const direct = createStopRequests(kv);
  const known = new Map<string, StopRequest>();
  const listeners = new Set<(stop: StopRequest) => void>();
  const watch = await kv.watch();
  void (async () => {
    for await (const entry of watch) {
      if (entry.operation !== 'PUT') {
        known.delete(entry.key);
        continue;
      }
      const stop = entry.json<StopRequest>();
      known.set(entry.key, stop);
      for (const listener of listeners) listener(stop);
    }
  })();
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

const logKey = (tenant: string, taskId: string) => `${tenant}.${taskId}`;
const instanceKey = (tenant: string, functionName: string, instanceId: string) =>
  `${tenant}.${functionName}.${instanceId}`;

/** Captured output per task (written by executors, read by the API); see TaskLogRecord. */
export interface TaskLogs {
  /**
   * Appends one attempt's output under `header`, keeping the whole within `maxBytes` by dropping
   * the oldest output first. Concurrent appends to one task are serialised by the KV revision.
   * `firstAppend`: the caller expects no logs yet (a first attempt), so the record is created
   * without reading first: a round trip less, and a read after all if logs were there.
   */
  append(
    tenant: string,
    taskId: string,
    header: string,
    text: string,
    maxBytes: number,
    options?: { firstAppend?: boolean },
  ): Promise<void>;
  read(tenant: string, taskId: string): Promise<TaskLogRecord | undefined>;
}

export function createTaskLogs(kv: KV, clock: () => number = Date.now): TaskLogs {
  return {
    async append(tenant, taskId, header, text, maxBytes, options) {
      const key = logKey(tenant, taskId);
      for (let tries = 0; ; tries++) {
        const entry = tries === 0 && options?.firstAppend ? null : await kv.get(key);
        const previous = entry?.operation === 'PUT' ? entry.json<TaskLogRecord>() : undefined;
        const joined =
          (previous?.logs ?? '') + header + (text.endsWith('\n') || text === '' ? text : `${text}\n`);
        const kept = keepTail(joined, maxBytes);
        const record: TaskLogRecord = {
          logs: kept,
          truncated: (previous?.truncated ?? false) || kept !== joined,
          attempts: (previous?.attempts ?? 0) + 1,
          updatedAt: clock(),
        };
        try {
          if (entry) await kv.update(key, JSON.stringify(record), entry.revision);
          else await kv.create(key, JSON.stringify(record));
          return;
        } catch (err) {
          if (tries >= 3 || !/wrong last sequence|key exists/i.test((err as Error).message)) throw err;
        }
      }
    },
    async read(tenant, taskId) {
      const entry = await kv.get(logKey(tenant, taskId));
      return entry?.operation === 'PUT' ? entry.json<TaskLogRecord>() : undefined;
    },
  };
}

/** The last `maxBytes` of `text`, cut at a line start, behind a note that output was dropped. */
function keepTail(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text);
  if (bytes.length <= maxBytes) return text;
  const note = `[asyncfn] earlier output dropped (logs are capped at ${maxBytes} bytes per task)\n`;
  let tail = bytes.subarray(bytes.length - (maxBytes - Buffer.byteLength(note))).toString('utf8');
  const nl = tail.indexOf('\n');
  if (nl >= 0 && nl < tail.length - 1) tail = tail.slice(nl + 1);
  // A cut inside a multi-byte character decodes as U+FFFD at the start; the line cut removes it.
  return note + tail;
}

/** Live (and briefly, destroyed) function instances, written by executors, listed by the API. */
export interface InstanceDirectory {
  put(record: InstanceRecord): Promise<void>;
  list(tenant: string, functionName: string): Promise<InstanceRecord[]>;
}

export function createInstanceDirectory(kv: KV): InstanceDirectory {
  return {
    async put(record) {
      await kv.put(
        instanceKey(record.tenant, record.functionName, record.instanceId),
        JSON.stringify(record),
      );
    },
    async list(tenant, functionName) {
      const keys: string[] = [];
      for await (const key of await kv.keys(`${tenant}.${functionName}.*`)) keys.push(key);
      const records = await Promise.all(keys.map((key) => kv.get(key)));
      return records
        .filter((entry) => entry?.operation === 'PUT')
        .map((entry) => entry!.json<InstanceRecord>())
        .sort((a, b) => a.createdTimeMs - b.createdTimeMs);
    },
  };
}
