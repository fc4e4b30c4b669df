/**
 * Holds the task queue back for a while, as a backlog would, without stopping anything:
 *   npx tsx scripts/backlog.ts <seconds>
 * Pauses the queues' JetStream consumers until then (nats-server 2.11 consumer pause): the
 * executors' (tasks due at once) and the dispatcher's (delayed ones); tasks accepted meanwhile wait
 * Enqueued and are dequeued when it ends, on its own. Shows what
 * maxAsyncEventAgeInSeconds does: a task that waited longer than that is Expired when dequeued.
 * NATS_URL and ASYNCFN_NAMESPACE name the stack (defaults: the local one).
 */
import { natsAuth, readSetting } from '@asyncfn/config';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createNames } from '../libs/contracts/src/index.js';

const seconds = Number(process.argv[2]);
if (!Number.isInteger(seconds) || seconds < 1 || seconds > 600) {
  console.error('usage: npx tsx scripts/backlog.ts <seconds, 1-600>');
  process.exit(2);
}
const natsUrl = readSetting('NATS_URL');
const names = createNames(readSetting('ASYNCFN_NAMESPACE'));
try {
  const nc = await connect({ servers: natsUrl, timeout: 5_000, ...natsAuth('admin') });
  const jsm = await jetstreamManager(nc);
  const until = new Date(Date.now() + seconds * 1000);
  await jsm.consumers.pause(names.streams.runs, names.consumers.executor, until);
  await jsm.consumers.pause(names.streams.tasks, names.consumers.dispatcher, until);
  console.error(`task queue held until ${until.toISOString()} (${seconds} s); it resumes on its own`);
  await nc.close();
} catch (err) {
  console.error(
    `backlog.ts: cannot hold the queue of namespace '${names.namespace}' at ${natsUrl}: ${(err as Error).message}`,
  );
  process.exit(1);
}
