/**
 * Read or write the queues destinations and triggers use, from a shell:
 *   npx tsx scripts/queue.ts sub nats <subject>      print messages (Ctrl-C to stop)
 *   npx tsx scripts/queue.ts sub kafka <topic>       print records from the beginning; a topic that
 *                                                    does not exist yet is created (as a first
 *                                                    record sent to it would)
 *   npx tsx scripts/queue.ts pub nats <subject> <text>
 *   npx tsx scripts/queue.ts pub kafka <topic> <text>
 *   npx tsx scripts/queue.ts sub mns <queue>         receive (and remove) from a local MNS-style queue
 *   npx tsx scripts/queue.ts pub mns <queue> <text>
 * Servers from NATS_URL / KAFKA_BROKERS, else the local defaults. MNS-style queues are the local
 * tenant's (`default`) in ASYNCFN_NAMESPACE (default asyncfn); the API equivalent is
 * GET /2023-03-30/queues/<queue>/messages (`asyncfn queue receive`). NATS as its admin user (the
 * password from deploy/local's secrets; see docs/control-plane-auth.md). Failures print one line
 * saying what to do, not a stack.
 */
import { connect } from '@nats-io/transport-node';
import { Kafka, logLevel } from 'kafkajs';
import { natsAuth, readSetting } from '@asyncfn/config';
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
const START_SERVERS = 'is it running? `bash deploy/local/servers.sh status` tells, `... start` starts it';

function fail(what: string, err: unknown): never {
  const e = err as Error;
  console.error(`queue.ts: ${what}: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}`);
  process.exit(1);
}

async function nats(): Promise<void> {
  const nc = await connect({ servers: natsUrl, timeout: 5_000, ...natsAuth('admin') }).catch((err: unknown) =>
    fail(`cannot reach NATS at ${natsUrl} (${START_SERVERS})`, err),
  );
  if (verb === 'pub') {
    nc.publish(target!, text ?? '');
    await nc.drain();
    return;
  }
  console.error(`listening on NATS subject ${target} (Ctrl-C to stop)`);
  for await (const msg of nc.subscribe(target!)) console.log(`${msg.subject}: ${msg.string()}`);
}

async function mns(): Promise<void> {
  const nc = await connect({ servers: natsUrl, timeout: 5_000, ...natsAuth('admin') }).catch((err: unknown) =>
    fail(`cannot reach NATS at ${natsUrl} (${START_SERVERS})`, err),
  );
  const queues = createMessageQueues(nc, createNames(readSetting('ASYNCFN_NAMESPACE')));
  // The local key's tenant (the README's); other tenants' queues: `asyncfn queue receive`.
  const tenant = DEFAULT_LOCAL_TENANT;
  if (verb === 'pub') {
    await queues.send(tenant, target!, text ?? '');
    await nc.drain();
    return;
  }
  console.error(`receiving from queue ${target} (Ctrl-C to stop)`);
  for (;;) {
    for (const m of await queues.receive(tenant, target!, { max: 16, waitMs: 30_000 })) {
      console.log(`${target} #${m.messageId} ${new Date(m.publishTime).toISOString()}: ${m.body}`);
    }
  }
}

async function kafka(): Promise<void> {
  const client = new Kafka({
    clientId: 'asyncfn-cli',
    brokers,
    connectionTimeout: 3_000,
    retry: { retries: 2 },
    logLevel: logLevel.NOTHING,
  });
  const topic = target!;
  if (verb === 'pub') {
    const producer = client.producer({ allowAutoTopicCreation: true });
    await producer
      .connect()
      .catch((err: unknown) => fail(`cannot reach Kafka at ${brokers} (${START_SERVERS})`, err));
    await producer
      .send({ topic, messages: [{ value: text ?? '' }] })
      .catch((err: unknown) => fail(`cannot send to topic ${topic}`, err));
    await producer.disconnect();
    return;
  }
  // Subscribing to a topic that does not exist yet fails in kafkajs; a destination or trigger
  // would create it with its first record, so create it now with the broker's defaults.
  const admin = client.admin();
  await admin
    .connect()
    .catch((err: unknown) => fail(`cannot reach Kafka at ${brokers} (${START_SERVERS})`, err));
  try {
    if (await admin.createTopics({ topics: [{ topic }], waitForLeaders: true })) {
      console.error(`created topic ${topic} (it did not exist yet)`);
    }
  } catch (err) {
    fail(`topic ${topic} does not exist and could not be created; create it with your Kafka tools`, err);
  } finally {
    await admin.disconnect();
  }
  const consumer = client.consumer({ groupId: `asyncfn-cli-${process.pid}` });
  await consumer.connect().catch((err: unknown) => fail(`cannot reach Kafka at ${brokers}`, err));
  await consumer
    .subscribe({ topic, fromBeginning: true })
    .catch((err: unknown) => fail(`cannot subscribe to topic ${topic}`, err));
  await consumer.run({
    eachMessage: async ({ message }) => console.log(`${topic}: ${String(message.value)}`),
  });
  console.error(`listening on Kafka topic ${topic} from the beginning (Ctrl-C to stop)`);
  const stop = () => void consumer.disconnect().finally(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await (system === 'nats' ? nats() : system === 'mns' ? mns() : kafka()).catch((err: unknown) =>
  fail(`${verb} ${system} ${target}`, err),
);
