import { jetstream, type Consumer, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { MessageContract } from '@asyncfn/contracts';
import { SemAttr } from '@asyncfn/telemetry';
import { compiledContract } from './codec.js';
import { cachedGroups, holdOpenGroups, type Coalescing } from './coalesce.js';
import { done, settle, type MessageOutcome } from './outcomes.js';
import { receive, type Received } from './receive.js';
import { SpanKind, consumerAttributes, contextFromHeaders, subjectTemplate, withSpan } from './tracing.js';

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
 * Handles messages one by one with bounded concurrency. The handler gets each message's value,
 * decoded and checked against `contract`; a message that does not pass is dropped before it (see
 * receive). A handler that throws gets its message redelivered after `errorDelayMs` (a bug or an
 * outage must not lose the message).
 */
export async function consumeEach<T>(options: {
  nc: NatsConnection;
  stream: string;
  durable: string;
  contract: MessageContract<T>;
  concurrency: number;
  logger: Logger;
  errorDelayMs?: number;
  handle: (value: T, msg: JsMsg) => Promise<MessageOutcome>;
}): Promise<RunningConsumer> {
  const { contract, handle, logger } = options;
  compiledContract(contract as MessageContract<unknown>);
  return consumeMessages({
    ...options,
    handle: async (msg) => {
      const received = receive(contract, msg, logger);
      return 'dropped' in received ? received.dropped : handle(received.value, msg);
    },
  });
}

/**
 * consumeEach for messages that have no contract of ours (a user's stream behind a trigger): the
 * handler gets the raw message.
 */
export async function consumeMessages(options: {
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
          attributes: () =>
            consumerAttributes(msg.subject, options.durable, {
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
 * once, so a busy consumer writes in bulk while a quiet one still answers at once. `lingerMs`
 * lets a small batch wait that long for more messages (more events of one task then share a write).
 */
export async function consumeBatches<T>(options: {
  nc: NatsConnection;
  /** Durable consumers whose messages share the batches (in arrival order). */
  sources: { stream: string; durable: string }[];
  /** What every source's messages are: one that does not pass is dropped on arrival (see receive). */
  contract: MessageContract<T>;
  maxBatch: number;
  lingerMs?: number;
  coalesce?: Coalescing<Received<T>>;
  logger: Logger;
  errorDelayMs?: number;
  /** Returns one outcome per message, in order. */
  handleBatch: (batch: Received<T>[]) => Promise<MessageOutcome[]>;
}): Promise<RunningConsumer> {
  const { maxBatch, logger, handleBatch, contract } = options;
  compiledContract(contract as MessageContract<unknown>);
  const lingerMs = options.lingerMs ?? 0;
  const feeds = await Promise.all(
    options.sources.map(async ({ stream, durable }) =>
      (await getConsumer(options.nc, stream, durable)).consume({ max_messages: maxBatch * 2 }),
    ),
  );
  let buffer: Received<T>[] = [];
  let closed = false;
  // The worker waits for messages, the pumps for room in the buffer.
  let messageArrived: (() => void) | undefined;
  let roomWaiters: (() => void)[] = [];
  const makeRoom = () => {
    const waiters = roomWaiters;
    roomWaiters = [];
    for (const wake of waiters) wake();
  };
  const nextMessage = (timeoutMs?: number) =>
    new Promise<void>((resolve) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(resolve, timeoutMs);
      messageArrived = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => (messageArrived = undefined));
  // When each message reached this consumer: the coalescing window is timed from it.
  const arrivedAt = new WeakMap<Received<T>, number>();
  // A held message is looked at again each round: its group is worked out once.
  const coalesce = options.coalesce && cachedGroups(options.coalesce);
  const pumps = feeds.map(async (messages) => {
    for await (const msg of messages) {
      const received = receive(contract, msg, logger);
      if ('dropped' in received) {
        settle(msg, received.dropped);
        continue;
      }
      arrivedAt.set(received, Date.now());
      buffer.push(received);
      messageArrived?.();
      // Back-pressure: let the worker catch up before taking more.
      while (buffer.length >= maxBatch * 2 && !closed) await new Promise<void>((r) => roomWaiters.push(r));
    }
  });
  const pump = Promise.allSettled(pumps).then(() => {
    closed = true;
    messageArrived?.();
  });
  const worker = (async () => {
    // Messages of open groups, held back; they go before newer messages (per-group order).
    let held: Received<T>[] = [];
    let wakeInMs = 0;
    for (;;) {
      // Held messages wait for their window at most; new messages may close a group sooner.
      if (buffer.length === 0 && !closed) await nextMessage(held.length > 0 ? wakeInMs : undefined);
      if (buffer.length === 0 && held.length === 0) {
        if (closed) return;
        continue;
      }
      if (buffer.length > 0 && buffer.length < maxBatch && lingerMs > 0 && !closed) {
        const until = Date.now() + lingerMs;
        while (buffer.length < maxBatch && !closed && Date.now() < until)
          await nextMessage(until - Date.now());
      }
      const fresh = buffer.slice(0, maxBatch);
      buffer = buffer.slice(fresh.length);
      const taken = held.length > 0 ? [...held, ...fresh] : fresh;
      let batch = taken;
      held = [];
      // On the way out nothing is held: what is taken is handled.
      if (coalesce && !closed) {
        ({
          ready: batch,
          held,
          wakeInMs,
        } = holdOpenGroups(taken, coalesce, Date.now(), (m) => arrivedAt.get(m) ?? 0));
      }
      makeRoom();
      if (batch.length === 0) continue;
      try {
        // One span for the batch, linked to each message's producer: a batch serves many tasks,
        // so it cannot sit in any one task's trace (the handler adds per-task spans there).
        const outcomes = await withSpan(
          `process ${options.sources.map((s) => s.stream).join('+')}`,
          {
            kind: SpanKind.CONSUMER,
            parent: ROOT_CONTEXT,
            links: batch.flatMap(({ msg }) => {
              const producer = trace.getSpanContext(contextFromHeaders(msg.headers));
              return producer ? [{ context: producer }] : [];
            }),
            attributes: {
              ...consumerAttributes(
                options.sources.map((s) => s.stream).join('+'),
                options.sources.map((s) => s.durable).join('+'),
              ),
              [SemAttr.messagingBatchCount]: batch.length,
            },
          },
          () => handleBatch(batch),
        );
        batch.forEach(({ msg }, i) => settle(msg, outcomes[i] ?? done));
      } catch (err) {
        logger.error({ err, size: batch.length }, 'batch failed; messages will be redelivered');
        for (const { msg } of batch) msg.nak(options.errorDelayMs ?? 1_000);
      }
    }
  })();
  return {
    async stop() {
      await Promise.all(feeds.map((messages) => messages.close()));
      closed = true;
      makeRoom();
      await pump;
      messageArrived?.();
      await worker;
    },
  };
}
