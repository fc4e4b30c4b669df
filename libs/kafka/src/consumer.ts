import { Kafka, logLevel, type Consumer, type IHeaders } from 'kafkajs';
import { kafkaLogCreator } from './log.js';
import { ServerUnreachableError } from '@asyncfn/contracts';
import type { KafkaRecord } from '@asyncfn/core';

export type { KafkaRecord };

export interface KafkaConsumerOptions {
  brokers: string[];
  groupId: string;
  topic: string;
  /** A group without committed offsets starts at the earliest record instead of the latest. */
  fromBeginning?: boolean;
  /**
   * A group without committed offsets starts at the first record at or after this time (epoch ms)
   * instead of the latest: records produced between then and the group's first join are not
   * skipped. Overrides `fromBeginning`.
   */
  startAtTime?: number;
  clientId?: string;
  /** Records of one partition handled at the same time (default 16). */
  concurrency?: number;
  /** Bound on connecting, ms (default 10 s). */
  connectTimeoutMs?: number;
  logger?: { warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
  /**
   * Handles one record. Resolving means the record may be committed; rejecting leaves it (and the
   * rest of its batch) uncommitted, so it comes again. `signal` aborts when the consumer stops.
   */
  handle(record: KafkaRecord, signal: AbortSignal): Promise<void>;
}

export interface KafkaConsumer {
  /** Stops fetching, aborts handlers in flight (their records stay uncommitted), leaves the group. */
  stop(): Promise<void>;
}

function headerText(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Commits, for a group that has no committed offsets on `topic`, the offsets of the first records
 * at or after `time` (the end where there are none). Another member that joined first has
 * committed or holds the group: then it is left as it is.
 */
async function startNewGroupAt(
  kafka: Kafka,
  groupId: string,
  topic: string,
  time: number,
  log: KafkaConsumerOptions['logger'],
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    if (committed?.partitions.some((p) => Number(p.offset) >= 0)) return;
    const partitions = await admin.fetchTopicOffsetsByTimestamp(topic, time);
    await admin.setOffsets({ groupId, topic, partitions });
  } catch (err) {
    log?.warn({ err, groupId, topic }, "could not set the new group's start; it starts at the latest record");
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * A kafkajs consumer in a group, committing by hand: a record's offset is committed only after
 * `handle` resolved for it and for every record before it in its partition. A crash between
 * handling and committing gives the records again (at-least-once); the handler makes that
 * harmless (trigger runners derive the task id from topic, partition and offset).
 */
export async function startKafkaConsumer(options: KafkaConsumerOptions): Promise<KafkaConsumer> {
  const log = options.logger;
  const concurrency = options.concurrency ?? 16;
  const kafka = new Kafka({
    clientId: options.clientId ?? 'asyncfn-trigger',
    brokers: options.brokers,
    connectionTimeout: 3_000,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(log, { groupId: options.groupId }),
  });
  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    // Restart after a failed batch (uncommitted records come again), with backoff.
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000, restartOnFailure: async () => true },
  });
  const abort = new AbortController();
  try {
    await withTimeout(consumer.connect(), options.connectTimeoutMs ?? 10_000, 'connecting to Kafka');
  } catch (cause) {
    await consumer.disconnect().catch(() => undefined);
    throw new ServerUnreachableError('Kafka', options.brokers.join(','), { cause });
  }
  try {
    if (options.startAtTime !== undefined)
      await startNewGroupAt(kafka, options.groupId, options.topic, options.startAtTime, log);
    // Topics are not created by subscribing: a missing topic fails here (the caller retries).
    await consumer.subscribe({ topics: [options.topic], fromBeginning: options.fromBeginning ?? false });
  } catch (err) {
    await consumer.disconnect().catch(() => undefined);
    throw err;
  }
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      for (let i = 0; i < batch.messages.length; i += concurrency) {
        if (!isRunning() || isStale() || abort.signal.aborted) return;
        const chunk = batch.messages.slice(i, i + concurrency);
        try {
          await Promise.all(
            chunk.map((m) =>
              options.handle(
                {
                  topic: batch.topic,
                  partition: batch.partition,
                  offset: m.offset,
                  timestamp: m.timestamp,
                  key: m.key ?? null,
                  value: m.value ?? null,
                  headers: headerText(m.headers),
                },
                abort.signal,
              ),
            ),
          );
        } catch (err) {
          // Stopping: leave the rest uncommitted, quietly; it is read again by whoever takes over.
          if (abort.signal.aborted) return;
          throw err;
        }
        const last = chunk.at(-1)!.offset;
        resolveOffset(last);
        await consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
        ]);
        await heartbeat();
      }
    },
  });
  return {
    async stop() {
      abort.abort();
      await consumer
        .disconnect()
        .catch((err: unknown) => log?.warn({ err }, 'kafka consumer disconnect failed'));
    },
  };
}
