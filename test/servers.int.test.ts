import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { MongoClient } from 'mongodb';
import { Kafka, logLevel } from 'kafkajs';
import { trace } from '@opentelemetry/api';
import { TracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { serverUrls } from './harness/env.js';

/** Proof that each server is the real thing, not a stand-in. */
const urls = serverUrls();
const unique = `smoke${Date.now().toString(36)}`;

describe('NATS JetStream', () => {
  it('publishes, consumes with ack, and redelivers a message left unacknowledged', async () => {
    const nc = await connect({ servers: urls.natsUrl, ...urls.natsAuth });
    const jsm = await jetstreamManager(nc);
    const stream = `SMOKE_${unique.toUpperCase()}`;
    await jsm.streams.add({ name: stream, subjects: [`${unique}.>`] });
    try {
      await jsm.consumers.add(stream, {
        durable_name: 'c',
        ack_policy: AckPolicy.Explicit,
        ack_wait: 1_000_000_000,
      });
      const js = jetstream(nc);
      const ack = await js.publish(`${unique}.a`, 'hello', { msgID: 'one' });
      expect(ack.seq).toBe(1);
      expect((await js.publish(`${unique}.a`, 'hello', { msgID: 'one' })).duplicate).toBe(true);

      const consumer = await js.consumers.get(stream, 'c');
      const first = await consumer.next({ expires: 5_000 });
      expect(first?.string()).toBe('hello');
      expect(first?.info.deliveryCount).toBe(1);
      // Not acknowledged: after ack_wait (1 s) the server delivers it again.
      const again = await consumer.next({ expires: 5_000 });
      expect(again?.string()).toBe('hello');
      expect(again?.info.deliveryCount).toBe(2);
      await again?.ackAck();
      expect(await consumer.next({ expires: 1_500 })).toBeNull();
    } finally {
      await jsm.streams.delete(stream);
      await nc.close();
    }
  });
});

describe('MongoDB wire server', () => {
  const client = new MongoClient(urls.mongoUrl, { serverSelectionTimeoutMS: 5_000 });
  afterAll(async () => {
    await client.db(unique).dropDatabase();
    await client.close();
  });

  it('inserts, finds, and rejects a duplicate on a unique index', async () => {
    const items = client.db(unique).collection<{ _id: string; key: string; n: number }>('items');
    await items.createIndex({ key: 1 }, { unique: true });
    await items.insertOne({ _id: 'a', key: 'k1', n: 1 });
    expect(await items.findOne({ key: 'k1' })).toEqual({ _id: 'a', key: 'k1', n: 1 });
    await expect(items.insertOne({ _id: 'b', key: 'k1', n: 2 })).rejects.toMatchObject({ code: 11000 });
    expect(await items.countDocuments()).toBe(1);
  });
});

describe('Kafka', () => {
  it('produces and consumes a record', async () => {
    const kafka = new Kafka({ clientId: unique, brokers: urls.kafkaBrokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: unique, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const consumer = kafka.consumer({ groupId: unique });
    try {
      await producer.connect();
      await producer.send({
        topic: unique,
        messages: [{ key: 'k', value: 'v1', headers: { traceparent: 'x' } }],
      });
      await consumer.connect();
      await consumer.subscribe({ topic: unique, fromBeginning: true });
      const received = await new Promise<{ key: string; value: string; header: string }>(
        (resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no record within 30 s')), 30_000);
          void consumer.run({
            eachMessage: async ({ message }) => {
              clearTimeout(timer);
              resolve({
                key: String(message.key),
                value: String(message.value),
                header: String(message.headers?.traceparent),
              });
            },
          });
        },
      );
      expect(received).toEqual({ key: 'k', value: 'v1', header: 'x' });
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [unique] }).catch(() => undefined);
      await admin.disconnect();
    }
  }, 90_000);
});

describe('Jaeger', () => {
  it('receives an OTLP span and returns it from the query API', async () => {
    const service = `asyncfn-smoke-${unique}`;
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      spanProcessors: [
        new BatchSpanProcessor({
          exporter: new OTLPTraceExporter({ url: `${urls.otlpEndpoint}/v1/traces` }),
        }),
      ],
    });
    const span = provider
      .getTracer('smoke')
      .startSpan('smoke-span', { attributes: { 'asyncfn.task.id': unique } });
    const traceId = span.spanContext().traceId;
    span.end();
    await provider.forceFlush();
    await provider.shutdown();
    expect(trace).toBeDefined();

    let found: { spans: { operationName: string }[] } | undefined;
    for (let i = 0; i < 50 && !found; i++) {
      const res = await fetch(`${urls.jaegerQueryUrl}/api/traces/${traceId}`);
      if (res.ok) found = ((await res.json()) as { data: { spans: { operationName: string }[] }[] }).data[0];
      else await new Promise((r) => setTimeout(r, 200));
    }
    expect(found?.spans.map((s) => s.operationName)).toEqual(['smoke-span']);
  });
});
