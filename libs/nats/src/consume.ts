import { jetstream, type Consumer, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { SemAttr } from '@asyncfn/telemetry';
import { SpanKind, consumerAttributes, contextFromHeaders, subjectTemplate, withSpan } from './tracing.js';

/**
 * What a handler decided about a message. The one mapping to JetStream acknowledgements:
 * done → ack, retry → nak(delay) (redelivered later), drop → term (never redelivered).
 */
export type MessageOutcome =
  { kind: 'done' } | { kind: 'retry'; delayMs: number; reason: string } | { kind: 'drop'; reason: string };

export const done: MessageOutcome = { kind: 'done' };
export const retry = (delayMs: number, reason: string): MessageOutcome => ({
  kind: 'retry',
  delayMs,
  reason,
});
export const drop = (reason: string): MessageOutcome => ({ kind: 'drop', reason });

export function settle(msg: JsMsg, outcome: MessageOutcome): void {
  switch (outcome.kind) {
    case 'done':
      msg.ack();
      return;
    case 'retry':
      msg.nak(outcome.delayMs);
      return;
    case 'drop':
      msg.term(outcome.reason);
      return;
    default: {
      const unknown: never = outcome;
      throw new Error(`unknown outcome ${JSON.stringify(unknown)}`);
    }
  }
}

export interface Logger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RunningConsumer {
  /** Stops taking messages and waits for in-flight handlers to settle. */
  stop(): Promise<void>;
}

async function getConsumer(nc: NatsConnection, stream: string, durable: string): Promise<Consumer> {
  return jetstream(nc).consumers.get(stream, durable);
}

/**
 * Handles messages one by one with bounded concurrency. A handler that throws gets its message
 * redelivered after `errorDelayMs` (a bug or an outage must not lose the message).
 */
export async function consumeEach(options: {
  nc: NatsConnection;
  stream: string;
  durable: string;
  concurrency: number;
  logger: Logger;
  errorDelayMs?: number;
  handle: (msg: JsMsg) => Promise<MessageOutcome>;
}): Promise<RunningConsumer> {
  const { concurrency, logger, handle } = options;
  const consumer = await getConsumer(options.nc, options.stream, options.durable);
  const messages = await consumer.consume({ max_messages: concurrency });
  const inFlight = new Set<Promise<void>>();
  const run = async (msg: JsMsg) => {
    try {
      const outcome = await withSpan(
        `process ${subjectTemplate(msg.subject)}`,
        {
          kind: SpanKind.CONSUMER,
          parent: contextFromHeaders(msg.headers),
          attributes: consumerAttributes(msg.subject, options.durable, {
            'messaging.nats.delivery_count': msg.info.deliveryCount,
          }),
        },
        () => handle(msg),
      );
      settle(msg, outcome);
    } catch (err) {
      logger.error({ err, subject: msg.subject }, 'handler failed; message will be redelivered');
      msg.nak(options.errorDelayMs ?? 1_000);
    }
  };
  const loop = (async () => {
    for await (const msg of messages) {
      const p = run(msg).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
  })();
  return {
    async stop() {
      await messages.close();
      await loop.catch(() => undefined);
      await Promise.allSettled(inFlight);
    },
  };
}

/**
 * Handles messages in batches: everything that has arrived (up to maxBatch) is handed over at
 * once, so a busy consumer writes in bulk while a quiet one still answers at once.
 */
export async function consumeBatches(options: {
  nc: NatsConnection;
  stream: string;
  durable: string;
  maxBatch: number;
  logger: Logger;
  errorDelayMs?: number;
  handleBatch: (msgs: JsMsg[]) => Promise<MessageOutcome[]>;
}): Promise<RunningConsumer> {
  const { maxBatch, logger, handleBatch } = options;
  const consumer = await getConsumer(options.nc, options.stream, options.durable);
  const messages = await consumer.consume({ max_messages: maxBatch * 2 });
  let buffer: JsMsg[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  const pump = (async () => {
    for await (const msg of messages) {
      buffer.push(msg);
      wake?.();
      // Back-pressure: let the worker catch up before taking more.
      while (buffer.length >= maxBatch * 2 && !closed) await new Promise<void>((r) => setImmediate(r));
    }
    closed = true;
    wake?.();
  })();
  const worker = (async () => {
    for (;;) {
      if (buffer.length === 0) {
        if (closed) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      const batch = buffer.slice(0, maxBatch);
      buffer = buffer.slice(batch.length);
      try {
        // One span for the batch, linked to each message's producer: a batch serves many tasks,
        // so it cannot sit in any one task's trace (the handler adds per-task spans there).
        const outcomes = await withSpan(
          `process ${options.stream}`,
          {
            kind: SpanKind.CONSUMER,
            parent: ROOT_CONTEXT,
            links: batch.flatMap((msg) => {
              const producer = trace.getSpanContext(contextFromHeaders(msg.headers));
              return producer ? [{ context: producer }] : [];
            }),
            attributes: {
              ...consumerAttributes(options.stream, options.durable),
              [SemAttr.messagingBatchCount]: batch.length,
            },
          },
          () => handleBatch(batch),
        );
        batch.forEach((msg, i) => settle(msg, outcomes[i] ?? done));
      } catch (err) {
        logger.error({ err, size: batch.length }, 'batch failed; messages will be redelivered');
        for (const msg of batch) msg.nak(options.errorDelayMs ?? 1_000);
      }
    }
  })();
  return {
    async stop() {
      await messages.close();
      await pump.catch(() => undefined);
      closed = true;
      wake?.();
      await worker;
    },
  };
}
