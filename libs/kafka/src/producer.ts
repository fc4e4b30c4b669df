import { Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';
import { kafkaLogCreator } from './log.js';
import { ServerUnreachableError } from '@asyncfn/contracts';

/** One message: the key decides the partition (and so the order among messages of one key). */
export interface KafkaMessage {
  topic: string;
  key: string;
  value: string;
  headers?: Record<string, string>;
}

export interface KafkaProducer {
  /**
   * Connects (once, shared by every caller) and sends one message, acknowledged by all in-sync
   * replicas. Throws ServerUnreachableError when no broker answers within the timeout.
   */
  send(message: KafkaMessage): Promise<void>;
  /** Connects now; a service calls it at start to report an unreachable Kafka early. */
  connect(): Promise<void>;
  /** Whether it holds a connection now (it lets go of an idle one). */
  isConnected(): boolean;
  disconnect(): Promise<void>;
}

export interface KafkaProducerOptions {
  clientId?: string;
  /** Bound on one send (connecting included), ms. */
  timeoutMs?: number;
  /** How long a connection is kept without a send (IDLE_DISCONNECT_MS). */
  idleDisconnectMs?: number;
  logger?: { warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
}

const CONNECTION_ERRORS =
  /KafkaJSConnectionError|KafkaJSNumberOfRetriesExceeded|KafkaJSBrokerNotFound|KafkaJSConnectionClosedError|KafkaJSRequestTimeoutError|KafkaJSTimeout/;

function isConnectionError(err: unknown): boolean {
  for (let e = err as { name?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (CONNECTION_ERRORS.test(e.name ?? '')) return true;
  }
  return false;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`${what} timed out after ${ms} ms`), { name: 'KafkaJSTimeout' })),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A connected kafkajs producer keeps timers running: ~5 % of a core while nothing is sent. So it
 * lets go of its connection after this long without a send (the next send connects again).
 */
export const IDLE_DISCONNECT_MS = 30_000;

/**
 * One idempotent kafkajs producer shared by all deliveries. It connects lazily, so a service
 * whose users never name a Kafka destination runs without Kafka; after a connection failure the
 * next send connects again, and an idle one disconnects (IDLE_DISCONNECT_MS).
 */
export function createKafkaProducer(brokers: string[], options: KafkaProducerOptions = {}): KafkaProducer {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const url = brokers.join(',');
  const log = options.logger;
  const kafka = new Kafka({
    clientId: options.clientId ?? 'asyncfn',
    brokers,
    connectionTimeout: Math.min(3_000, timeoutMs),
    requestTimeout: timeoutMs,
    // Bounded: the caller owns retries (with backoff, across process restarts).
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
    logLevel: logLevel.WARN,
    // Retries are bounded on purpose (see above); kafkajs warns about that on every producer, and
    // logs errors while a first send creates its topic: both are dropped (./log.ts).
    logCreator: kafkaLogCreator(log),
  });
  let producer: Producer | undefined;
  let connecting: Promise<Producer> | undefined;
  let idleTimer: NodeJS.Timeout | undefined;

  const reset = () => {
    const old = producer;
    producer = undefined;
    connecting = undefined;
    void old?.disconnect().catch(() => undefined);
  };
  /** Used now: disconnect only after IDLE_DISCONNECT_MS more without a send. */
  const stillNeeded = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(reset, options.idleDisconnectMs ?? IDLE_DISCONNECT_MS);
    idleTimer.unref();
  };

  const connected = (): Promise<Producer> => {
    if (producer) return Promise.resolve(producer);
    connecting ??= (async () => {
      const p = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: true,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
      });
      try {
        await withTimeout(p.connect(), timeoutMs, 'connecting to Kafka');
      } catch (cause) {
        void p.disconnect().catch(() => undefined);
        connecting = undefined;
        throw new ServerUnreachableError('Kafka', url, { cause });
      }
      producer = p;
      p.on(p.events.DISCONNECT, () => {
        if (producer === p) reset();
      });
      stillNeeded();
      return p;
    })();
    return connecting;
  };

  return {
    async connect() {
      await connected();
    },
    isConnected: () => producer !== undefined,
    async send(message) {
      const p = await connected();
      stillNeeded();
      try {
        await withTimeout(
          p.send({
            topic: message.topic,
            acks: -1,
            messages: [{ key: message.key, value: message.value, headers: message.headers ?? {} }],
          }),
          timeoutMs,
          `sending to Kafka topic ${message.topic}`,
        );
      } catch (cause) {
        if (isConnectionError(cause)) {
          reset();
          throw new ServerUnreachableError('Kafka', url, { cause });
        }
        throw cause;
      }
    },
    async disconnect() {
      clearTimeout(idleTimer);
      const p = producer;
      producer = undefined;
      connecting = undefined;
      await p?.disconnect().catch(() => undefined);
    },
  };
}
