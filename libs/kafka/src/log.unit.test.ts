import { logLevel, type LogEntry } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { isExpectedKafkaLog, kafkaLogCreator } from './log.js';

// Entries as kafkajs 2.2 logs them while a producer's first send creates its topic.
const entry = (level: logLevel, namespace: string, log: Record<string, unknown>): LogEntry => ({
  level,
  namespace,
  label: level === logLevel.ERROR ? 'ERROR' : 'WARN',
  log: { timestamp: '2026-12-07T09:33:51.699Z', message: '', ...log } as LogEntry['log'],
});
const unknownTopic = entry(logLevel.ERROR, 'Connection', {
  message: 'Response Metadata(key: 3, version: 6)',
  broker: '127.0.0.1:9092',
  clientId: 'probe',
  error: 'This server does not host this topic-partition',
  correlationId: 3,
  size: 93,
});
const noLeader = entry(logLevel.ERROR, 'Connection', {
  message: 'Response Metadata(key: 3, version: 6)',
  error: 'There is no leader for this topic-partition as we are in the middle of a leadership election',
});
const refused = entry(logLevel.ERROR, 'Connection', {
  message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092',
  stack: 'Error: connect ECONNREFUSED',
});
const authError = entry(logLevel.ERROR, 'Connection', {
  message: 'Response Metadata(key: 3, version: 6)',
  error: 'Topic authorization failed',
});

describe('kafkajs logs', () => {
  it('drops the errors a topic being created answers with, keeps real ones', () => {
    expect(isExpectedKafkaLog(unknownTopic)).toBe(true);
    expect(isExpectedKafkaLog(noLeader)).toBe(true);
    expect(isExpectedKafkaLog(refused)).toBe(false);
    expect(isExpectedKafkaLog(authError)).toBe(false);
  });

  it('writes what is kept to the logger at its level, with the fields given', () => {
    const lines: [string, object, string | undefined][] = [];
    const sink = {
      warn: (o: object, m?: string) => lines.push(['warn', o, m]),
      error: (o: object, m?: string) => lines.push(['error', o, m]),
    };
    const write = kafkaLogCreator(sink, { groupId: 'g1' })(logLevel.WARN);
    for (const e of [unknownTopic, noLeader, refused]) write(e);
    write(entry(logLevel.WARN, 'Producer', { message: 'Limiting retries for the idempotent producer' }));
    write(entry(logLevel.WARN, 'Consumer', { message: 'rebalancing' }));
    expect(lines.map(([level, , message]) => `${level} ${message}`)).toEqual([
      'error Connection error: connect ECONNREFUSED 127.0.0.1:9092',
      'warn rebalancing',
    ]);
    expect(lines[0]![1]).toMatchObject({ kafka: 'Connection', groupId: 'g1' });
  });
});
