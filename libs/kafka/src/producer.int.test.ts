import { afterAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { ServerUnreachableError } from '@asyncfn/contracts';
import { serverUrls } from '../../../test/harness/env.js';
import { createKafkaProducer } from './producer.js';

const brokers = serverUrls().kafkaBrokers;
const topic = `asyncfn-kafka-lib-${Date.now().toString(36)}`;
const producer = createKafkaProducer(brokers, { clientId: 'kafka-lib-test', timeoutMs: 10_000 });

afterAll(async () => {
  await producer.disconnect();
});

describe('createKafkaProducer', () => {
  it('sends keyed messages with headers to a real broker (the topic is created on first use)', async () => {
    await producer.send({ topic, key: 'k1', value: '{"a":1}', headers: { traceparent: 'tp' } });
    const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `${topic}-reader` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got = await new Promise<{ key: string; value: string; tp: string }>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) =>
          resolve({
            key: message.key!.toString(),
            value: message.value!.toString(),
            tp: String(message.headers?.traceparent),
          }),
      });
    });
    await consumer.disconnect();
    expect(got).toEqual({ key: 'k1', value: '{"a":1}', tp: 'tp' });
  }, 60_000);

  it('lets go of its connection when idle, and connects again for the next send', async () => {
    const brief = createKafkaProducer(brokers, { clientId: 'kafka-lib-idle', idleDisconnectMs: 300 });
    await brief.send({ topic, key: 'k2', value: 'first' });
    expect(brief.isConnected()).toBe(true);
    await new Promise((r) => setTimeout(r, 150));
    await brief.send({ topic, key: 'k2', value: 'second' }); // a send keeps it
    await new Promise((r) => setTimeout(r, 200));
    expect(brief.isConnected()).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(brief.isConnected()).toBe(false);
    await brief.send({ topic, key: 'k2', value: 'third' });
    expect(brief.isConnected()).toBe(true);
    await brief.disconnect();
    expect(brief.isConnected()).toBe(false);
  }, 60_000);

  it('fails with one clear ServerUnreachableError when no broker answers', async () => {
    const dead = createKafkaProducer(['127.0.0.1:1'], { timeoutMs: 1_500 });
    const err = await dead.send({ topic, key: 'k', value: 'v' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerUnreachableError);
    expect((err as Error).message).toBe('Kafka is not reachable at 127.0.0.1:1');
    await dead.disconnect();
  });
});
