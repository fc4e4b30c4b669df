import { JetStreamApiError, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import type { Names, QueueMessage } from '@asyncfn/contracts';

/**
 * Local MNS-style queues (FC's `acs:mns:…:/queues/<q>/messages` destinations), one subject per
 * tenant and queue in the queues stream. A receive takes the oldest messages and deletes them
 * from the stream: a message is handed to exactly one receiver (a second receiver's delete of the
 * same sequence fails and it moves on), and is gone once received — no visibility timeout.
 */
export interface MessageQueues {
  /** Appends to a queue; `msgId` deduplicates within the stream's duplicate window. */
  send(tenant: string, queueName: string, body: string, options?: SendOptions): Promise<void>;
  /**
   * Up to `max` messages, oldest first; waits up to `waitMs` for the first one when the queue is
   * empty (woken by the publish itself), returning as soon as any arrived.
   */
  receive(tenant: string, queueName: string, options: ReceiveOptions): Promise<QueueMessage[]>;
}

export interface SendOptions {
  msgId?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface ReceiveOptions {
  max: number;
  waitMs: number;
  /** Aborted (the client went away): stop waiting and take nothing more. */
  signal?: AbortSignal;
}

export function createMessageQueues(nc: NatsConnection, names: Names): MessageQueues {
  const js = jetstream(nc);
  const stream = names.streams.queues;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let jsm: Promise<JetStreamManager> | undefined;
  const manager = () => (jsm ??= jetstreamManager(nc));

  /** Takes (reads and deletes) up to `max` messages of the subject, oldest first. */
  async function take(subject: string, max: number, signal?: AbortSignal): Promise<QueueMessage[]> {
    const m = await manager();
    const taken: QueueMessage[] = [];
    let seq = 1;
    while (taken.length < max && !signal?.aborted) {
      // STREAM.MSG.GET with next_by_subj: the first message of the subject at or after seq.
      const stored = await m.streams.getMessage(stream, { seq, next_by_subj: subject } as unknown as {
        seq: number;
      });
      if (!stored) break;
      seq = stored.seq + 1;
      if (!(await deleted(m, stored.seq))) continue; // another receiver took it
      taken.push({
        messageId: String(stored.seq),
        body: decoder.decode(stored.data),
        publishTime: stored.time.getTime(),
      });
    }
    return taken;
  }

  async function deleted(m: JetStreamManager, seq: number): Promise<boolean> {
    try {
      return await m.streams.deleteMessage(stream, seq, false);
    } catch (err) {
      if (err instanceof JetStreamApiError) return false; // already deleted
      throw err;
    }
  }

  return {
    async send(tenant, queueName, body, options = {}) {
      const h = natsHeaders();
      for (const [k, v] of Object.entries(options.headers ?? {})) h.set(k, v);
      await js.publish(names.subjects.queue(tenant, queueName), encoder.encode(body), {
        headers: h,
        ...(options.msgId ? { msgID: options.msgId } : {}),
        ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
      });
    },

    async receive(tenant, queueName, { max, waitMs, signal }) {
      const subject = names.subjects.queue(tenant, queueName);
      if (waitMs <= 0) return take(subject, max, signal);
      // Subscribe before the first look, so a message published in between still wakes us.
      let arrived = false;
      let wake: (() => void) | undefined;
      const sub = nc.subscribe(subject, {
        callback: () => {
          arrived = true;
          wake?.();
        },
      });
      const onAbort = () => wake?.();
      signal?.addEventListener('abort', onAbort);
      const deadline = Date.now() + waitMs;
      try {
        for (;;) {
          arrived = false;
          const taken = await take(subject, max, signal);
          const left = deadline - Date.now();
          if (taken.length > 0 || left <= 0 || signal?.aborted) return taken;
          if (!arrived) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, left);
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
            wake = undefined;
          }
        }
      } finally {
        signal?.removeEventListener('abort', onAbort);
        sub.unsubscribe();
      }
    },
  };
}
