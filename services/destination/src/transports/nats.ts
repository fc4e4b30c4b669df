import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { Headers } from '@asyncfn/contracts';
import { DeliveryError, DeliveryErrorCode } from '../errors.js';

/** How long a subject's "captured by a stream or not" answer is trusted before it is asked again. */
const STREAM_LOOKUP_TTL_MS = 30_000;

export interface NatsTransport {
  /**
   * JetStream publish (Nats-Msg-Id = delivery id, acknowledged) when a stream captures the
   * subject, else a core NATS publish flushed to the server (at most once beyond that point).
   */
  publish(
    subject: string,
    body: string,
    headers: Record<string, string>,
    msgId: string,
  ): Promise<'jetstream' | 'core'>;
}

export function createNatsTransport(nc: NatsConnection, options: { timeoutMs: number }): NatsTransport {
  const js = jetstream(nc, { timeout: options.timeoutMs });
  let jsm: Promise<JetStreamManager> | undefined;
  const captured = new Map<string, { stream: boolean; at: number }>();
  const encoder = new TextEncoder();

  async function isCaptured(subject: string): Promise<boolean> {
    const known = captured.get(subject);
    if (known && Date.now() - known.at < STREAM_LOOKUP_TTL_MS) return known.stream;
    jsm ??= jetstreamManager(nc, { timeout: options.timeoutMs });
    let stream: boolean;
    try {
      await (await jsm).streams.find(subject);
      stream = true;
    } catch (err) {
      // StreamNotFoundError ("no stream matches subject"); anything else is a real failure.
      if (!/no stream matches/i.test((err as Error).message)) throw err;
      stream = false;
    }
    captured.set(subject, { stream, at: Date.now() });
    return stream;
  }

  return {
    async publish(subject, body, headers, msgId) {
      const h = natsHeaders();
      for (const [k, v] of Object.entries(headers)) h.set(k, v);
      const data = encoder.encode(body);
      try {
        if (await isCaptured(subject)) {
          await js.publish(subject, data, { msgID: msgId, headers: h, timeout: options.timeoutMs });
          return 'jetstream';
        }
        h.set(Headers.msgId, msgId);
        nc.publish(subject, data, { headers: h });
        await Promise.race([
          nc.flush(),
          new Promise((_, reject) =>
            setTimeout(
              () => reject(new Error(`NATS flush timed out after ${options.timeoutMs} ms`)),
              options.timeoutMs,
            ).unref(),
          ),
        ]);
        return 'core';
      } catch (cause) {
        captured.delete(subject);
        throw new DeliveryError(
          DeliveryErrorCode.DestinationUnreachable,
          `publishing to NATS subject ${subject} failed: ${(cause as Error).message}`,
          { cause },
        );
      }
    },
  };
}
