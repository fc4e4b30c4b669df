import type { KV } from '@nats-io/kv';
import type { TaskLogRecord } from '@asyncfn/contracts';
import { jsonStore } from './json-store.js';

const logKey = (tenant: string, taskId: string) => `${tenant}.${taskId}`;

/** Appends a conflicting write is retried, then the append fails. */
const MAX_TRIES = 4;

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
  const store = jsonStore<TaskLogRecord>(kv);
  return {
    async append(tenant, taskId, header, text, maxBytes, options) {
      const key = logKey(tenant, taskId);
      for (let tries = 0; tries < MAX_TRIES; tries++) {
        const entry = tries === 0 && options?.firstAppend ? undefined : await store.getEntry(key);
        const previous = entry?.value;
        const joined =
          (previous?.logs ?? '') + header + (text.endsWith('\n') || text === '' ? text : `${text}\n`);
        const kept = keepTail(joined, maxBytes);
        const record: TaskLogRecord = {
          logs: kept,
          truncated: (previous?.truncated ?? false) || kept !== joined,
          attempts: (previous?.attempts ?? 0) + 1,
          updatedAt: clock(),
        };
        const written = entry
          ? await store.update(key, record, entry.revision)
          : await store.create(key, record);
        if (written) return;
      }
      throw new Error(`task logs of ${taskId}: ${MAX_TRIES} concurrent appends in a row, giving up`);
    },
    read(tenant, taskId) {
      return store.get(logKey(tenant, taskId));
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
