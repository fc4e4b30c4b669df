import { fileURLToPath } from 'node:url';
import {
  AckPolicy,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { connect, nanos } from '@nats-io/transport-node';
import { startChild } from '../lib/child.js';
import type { ProcTarget } from '../lib/resources.js';
import type { SystemUnderTest } from '../lib/system-under-test.js';
import { consumerSource } from './peer-child.js';
import type { StorageUrls } from '../../test/harness/storage.js';

/*
 * Peer: raw JetStream on the same nats-server. What asyncfn's task queue is, without the rest:
 * a work-queue stream on file storage with the same 10-minute duplicate window (Nats-Msg-Id =
 * the job id), publishes awaited for their PubAck (the "accept"), and a durable pull consumer in
 * a child process that acks each message.
 */

export interface JetStreamPeer extends SystemUnderTest {
  close(): Promise<void>;
}

export async function startJetStreamPeer(options: {
  storage: StorageUrls;
  namespace: string;
  concurrency: number;
}): Promise<JetStreamPeer> {
  const stream = `${options.namespace.toUpperCase()}_PEER`;
  const subject = `${options.namespace}.peer.jobs`;
  const durable = 'worker';
  const nc = await connect({
    servers: options.storage.natsUrl,
    name: 'bench-js-producer',
    ...options.storage.natsAuth,
  });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name: stream,
    subjects: [subject],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: nanos(10 * 60_000),
  });
  await jsm.consumers.add(stream, {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(30_000),
    max_ack_pending: 20_000,
  });
  const js = jetstream(nc);
  const child = await startChild(
    'js-consumer',
    fileURLToPath(new URL('./jetstream-consumer-child.ts', import.meta.url)),
    {
      // The child reads the admin's credentials from their file itself (never in an environment).
      NATS_URL: options.storage.natsUrl,
      BENCH_STREAM: stream,
      BENCH_DURABLE: durable,
      BENCH_CONCURRENCY: String(options.concurrency),
    },
  );
  await child.call('run');
  const source = consumerSource(child);
  return {
    name: 'jetstream',
    async submit(id, payload) {
      await js.publish(subject, payload, { msgID: id });
    },
    sources: () => [source],
    pauseConsumers: () => child.call('pause'),
    resumeConsumers: () => child.call('run'),
    // A publish acknowledged is in the stream, where the consumer reads it: nothing to wait for.
    settle: async () => undefined,
    targets: (): ProcTarget[] => [
      { label: 'js-consumer', group: 'peer', pid: child.pid, self: true, descendants: true },
    ],
    async close() {
      await child.stop();
      await jsm.streams.delete(stream).catch(() => false);
      await nc.close();
    },
  };
}
