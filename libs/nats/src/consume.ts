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

/**
 * One outcome for a message that several decisions were made about (it carried several events):
 * a retry wins, since what was done is idempotent when the message comes back; then a drop.
 */
export function combineOutcomes(a: MessageOutcome | undefined, b: MessageOutcome): MessageOutcome {
  if (!a) return b;
  const rank = { done: 0, drop: 1, retry: 2 } as const;
  if (a.kind === 'retry' && b.kind === 'retry') return a.delayMs >= b.delayMs ? a : b;
  return rank[b.kind] > rank[a.kind] ? b : a;
}

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
 * Holding back the messages of a group (a task) until it closes (its terminal event) or its
 * window passes, so one write carries all of a short task's events instead of one per batch.
 */
export interface Coalescing {
  windowMs: number;
  /** The group of a message; undefined: never held. */
  keyOf(msg: JsMsg): string | undefined;
  /** True for the message that closes its group (nothing more is expected soon). */
  closes(msg: JsMsg): boolean;
  /**
   * A group's leading message, which may come long before the rest (a task's claim, while the
   * task waits in a queue): a group of leading messages only is held up to `leadWindowMs`, and
   * the usual window starts with its first other message.
   */
  leads?(msg: JsMsg): boolean;
  leadWindowMs?: number;
}

function cachedGroups(coalesce: Coalescing): Coalescing {
  const keys = new WeakMap<JsMsg, string | undefined>();
  const leading = new WeakMap<JsMsg, boolean>();
  const { leads } = coalesce;
  return {
    ...coalesce,
    keyOf(msg) {
      if (keys.has(msg)) return keys.get(msg);
      const key = coalesce.keyOf(msg);
      keys.set(msg, key);
      return key;
    },
    ...(leads && {
      leads(msg: JsMsg) {
        let lead = leading.get(msg);
        if (lead === undefined) leading.set(msg, (lead = leads(msg)));
        return lead;
      },
    }),
  };
}

/**
 * Splits taken messages into those to handle now and those to hold (order kept in both). A group's
 * window starts when its first message reached this consumer, not when it was published: a
 * consumer that has fallen behind still finds a task's later events right behind its first one,
 * and one write then still carries them all (timed from publication, every task of a backlog
 * would be written once per event, the slowest way to catch up).
 */
export function holdOpenGroups(
  msgs: JsMsg[],
  coalesce: Coalescing,
  nowMs: number,
  arrivedAt: (msg: JsMsg) => number,
): { ready: JsMsg[]; held: JsMsg[]; wakeInMs: number } {
  const keys = msgs.map((m) => coalesce.keyOf(m));
  const release = new Set<string>();
  // Per group: when its window started and how long it is.
  const windows = new Map<string, { from: number; ms: number; leadOnly: boolean }>();
  msgs.forEach((m, i) => {
    const key = keys[i];
    if (key === undefined) return;
    const lead = coalesce.leads?.(m) ?? false;
    const w = windows.get(key);
    if (!w) {
      const ms = lead ? (coalesce.leadWindowMs ?? coalesce.windowMs) : coalesce.windowMs;
      windows.set(key, { from: arrivedAt(m), ms, leadOnly: lead });
    } else if (w.leadOnly && !lead) {
      windows.set(key, { from: arrivedAt(m), ms: coalesce.windowMs, leadOnly: false });
    }
    if (coalesce.closes(m)) release.add(key);
  });
  for (const [key, w] of windows) if (nowMs - w.from >= w.ms) release.add(key);
  const ready: JsMsg[] = [];
  const held: JsMsg[] = [];
  let wakeInMs = Number.POSITIVE_INFINITY;
  msgs.forEach((m, i) => {
    const key = keys[i];
    if (key === undefined || release.has(key)) ready.push(m);
    else {
      held.push(m);
      const w = windows.get(key)!;
      wakeInMs = Math.min(wakeInMs, Math.max(1, w.from + w.ms - nowMs));
    }
  });
  if (held.length === 0) wakeInMs = coalesce.windowMs;
  return { ready, held, wakeInMs };
}

/**
 * Handles messages in batches: everything that has arrived (up to maxBatch) is handed over at
 * once, so a busy consumer writes in bulk while a quiet one still answers at once. `lingerMs`
 * lets a small batch wait that long for more messages (more events of one task then share a write).
 */
export async function consumeBatches(options: {
  nc: NatsConnection;
  /** Durable consumers whose messages share the batches (in arrival order). */
  sources: { stream: string; durable: string }[];
  maxBatch: number;
  lingerMs?: number;
  coalesce?: Coalescing;
  logger: Logger;
  errorDelayMs?: number;
  handleBatch: (msgs: JsMsg[]) => Promise<MessageOutcome[]>;
}): Promise<RunningConsumer> {
  const { maxBatch, logger, handleBatch } = options;
  const lingerMs = options.lingerMs ?? 0;
  const feeds = await Promise.all(
    options.sources.map(async ({ stream, durable }) =>
      (await getConsumer(options.nc, stream, durable)).consume({ max_messages: maxBatch * 2 }),
    ),
  );
  let buffer: JsMsg[] = [];
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
  const arrivedAt = new WeakMap<JsMsg, number>();
  // A held message is looked at again each round: its group is worked out once.
  const coalesce = options.coalesce && cachedGroups(options.coalesce);
  const pumps = feeds.map(async (messages) => {
    for await (const msg of messages) {
      arrivedAt.set(msg, Date.now());
      buffer.push(msg);
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
    let held: JsMsg[] = [];
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
            links: batch.flatMap((msg) => {
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
        batch.forEach((msg, i) => settle(msg, outcomes[i] ?? done));
      } catch (err) {
        logger.error({ err, size: batch.length }, 'batch failed; messages will be redelivered');
        for (const msg of batch) msg.nak(options.errorDelayMs ?? 1_000);
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
