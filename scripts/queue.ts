/**
 * Read or write the queues destinations and triggers use, from a shell:
 *   npx tsx scripts/queue.ts sub nats <subject>      print messages (Ctrl-C to stop)
 *   npx tsx scripts/queue.ts sub kafka <topic>       print records from the beginning
 *   npx tsx scripts/queue.ts pub nats <subject> <text>
 *   npx tsx scripts/queue.ts pub kafka <topic> <text>
 *   npx tsx scripts/queue.ts sub mns <queue>         receive (and remove) from a local MNS-style queue
 *   npx tsx scripts/queue.ts pub mns <queue> <text>
 * Servers from NATS_URL / KAFKA_BROKERS, else the local defaults. MNS-style queues are the
 * local tenant's (`default`) in ASYNCFN_NAMESPACE (default asyncfn); the
 * API equivalent is GET /2023-03-30/queues/<queue>/messages.
 */
import { connect } from '@nats-io/transport-node';
import { Kafka, logLevel } from 'kafkajs';
import { readSetting } from '@asyncfn/config';
import { DEFAULT_LOCAL_TENANT } from '../libs/auth/src/index.js';
import { createNames } from '../libs/contracts/src/index.js';
import { createMessageQueues } from '../libs/nats/src/index.js';

const [verb, system, target, text] = process.argv.slice(2);
if (
  !verb ||
  !system ||
  !target ||
  !['sub', 'pub'].includes(verb) ||
  !['nats', 'kafka', 'mns'].includes(system)
) {
  console.error('usage: npx tsx scripts/queue.ts sub|pub nats|kafka|mns <subject|topic|queue> [text]');
  process.exit(2);
}
const natsUrl = readSetting('NATS_URL');
const brokers = readSetting('KAFKA_BROKERS');

if (system === 'mns') {
  const nc = await connect({ servers: natsUrl });
  const queues = createMessageQueues(nc, createNames(readSetting('ASYNCFN_NAMESPACE')));
  // The local key's tenant (the README's); other tenants' queues: `asyncfn queue receive`.
  const tenant = DEFAULT_LOCAL_TENANT;
  if (verb === 'pub') {
    await queues.send(tenant, target, text ?? '');
    await nc.drain();
  } else {
    for (;;) {
      for (const m of await queues.receive(tenant, target, { max: 16, waitMs: 30_000 })) {
        console.log(`${target} #${m.messageId} ${new Date(m.publishTime).toISOString()}: ${m.body}`);
      }
    }
  }
} else if (system === 'nats') {
  const nc = await connect({ servers: natsUrl });
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
