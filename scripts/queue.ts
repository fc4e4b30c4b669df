/**
 * Read or write the queues destinations and triggers use, from a shell:
 *   npx tsx scripts/queue.ts sub nats <subject>      print messages (Ctrl-C to stop)
 *   npx tsx scripts/queue.ts sub kafka <topic>       print records from the beginning
 *   npx tsx scripts/queue.ts pub nats <subject> <text>
 *   npx tsx scripts/queue.ts pub kafka <topic> <text>
 * Servers from NATS_URL / KAFKA_BROKERS, else the local defaults. NATS as its admin user (the
 * password from deploy/local's secrets; see docs/control-plane-auth.md).
 */
import { connect } from '@nats-io/transport-node';
import { Kafka, logLevel } from 'kafkajs';
import { natsAuth } from '@asyncfn/config';

const [verb, system, target, text] = process.argv.slice(2);
if (!verb || !system || !target || !['sub', 'pub'].includes(verb) || !['nats', 'kafka'].includes(system)) {
  console.error('usage: npx tsx scripts/queue.ts sub|pub nats|kafka <subject|topic> [text]');
  process.exit(2);
}
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

if (system === 'nats') {
  const nc = await connect({ servers: natsUrl, ...natsAuth('admin') });
  if (verb === 'pub') {
    nc.publish(target, text ?? '');
    await nc.drain();
  } else {
    for await (const msg of nc.subscribe(target)) console.log(`${msg.subject}: ${msg.string()}`);
  }
} else {
  const kafka = new Kafka({ clientId: 'asyncfn-cli', brokers, logLevel: logLevel.NOTHING });
  if (verb === 'pub') {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: target, messages: [{ value: text ?? '' }] });
    await producer.disconnect();
  } else {
    const consumer = kafka.consumer({ groupId: `asyncfn-cli-${process.pid}` });
    await consumer.connect();
    await consumer.subscribe({ topic: target, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => console.log(`${target}: ${String(message.value)}`),
    });
  }
}
