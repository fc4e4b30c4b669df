import { logLevel, type LogEntry, type logCreator } from 'kafkajs';

export interface KafkaLogSink {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * Errors kafkajs logs (at ERROR, with the broker's answer) on the way to a normal outcome: a topic
 * that a producer's first send creates answers metadata requests with these until it exists and
 * has a leader, and kafkajs retries on its own. A real failure still surfaces, as the error the
 * send or subscribe call rejects with.
 */
const BENIGN_BROKER_ERRORS = [
  'This server does not host this topic-partition', // UNKNOWN_TOPIC_OR_PARTITION
  'There is no leader for this topic-partition as we are in the middle of a leadership election', // LEADER_NOT_AVAILABLE
];

/** Warnings about choices made on purpose here (see the producer's options). */
const KNOWN_WARNINGS = [/Limiting retries for the idempotent producer/, /switched default partitioner/];

/** True for a kafkajs log entry that tells nothing wrong (see above). */
export function isExpectedKafkaLog(entry: Pick<LogEntry, 'level' | 'namespace' | 'log'>): boolean {
  const { message } = entry.log;
  if (KNOWN_WARNINGS.some((pattern) => pattern.test(message))) return true;
  const error = (entry.log as { error?: unknown }).error;
  return (
    entry.namespace === 'Connection' &&
    message.startsWith('Response Metadata') &&
    typeof error === 'string' &&
    BENIGN_BROKER_ERRORS.includes(error)
  );
}

/**
 * A kafkajs logCreator that writes to our logger (ERROR as error, the rest as warn) and drops
 * what is expected. `fields` are added to every line (e.g. the consumer group).
 */
export function kafkaLogCreator(
  log: KafkaLogSink | undefined,
  fields: Record<string, unknown> = {},
): logCreator {
  return () => (entry: LogEntry) => {
    if (!log || isExpectedKafkaLog(entry)) return;
    const line = { kafka: entry.namespace, ...fields, ...entry.log };
    if (entry.level === logLevel.ERROR) log.error(line, entry.log.message);
    else log.warn(line, entry.log.message);
  };
}
