import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { startChild } from '../lib/child.js';
import type { ProcTarget } from '../lib/resources.js';
import type { SystemUnderTest } from '../lib/system-under-test.js';
import { consumerSource } from './peer-child.js';
import type { RedisServer } from './redis-server.js';

/*
 * Peer: BullMQ on its own Redis. queue.add with the job id (BullMQ ignores a second add of the
 * same id, as asyncfn answers 409), a Worker with the same concurrency in a child process, noop
 * jobs. Completed jobs are kept (BullMQ's default), as asyncfn keeps finished tasks.
 */

export interface BullmqPeer extends SystemUnderTest {
  close(): Promise<void>;
}

export async function startBullmqPeer(options: {
  redis: RedisServer;
  namespace: string;
  concurrency: number;
}): Promise<BullmqPeer> {
  const name = `${options.namespace}-peer`;
  const queue = new Queue(name, { connection: options.redis.connection });
  await queue.waitUntilReady();
  const child = await startChild(
    'bullmq-worker',
    fileURLToPath(new URL('./bullmq-worker-child.ts', import.meta.url)),
    {
      BENCH_QUEUE: name,
      BENCH_REDIS_PORT: String(options.redis.connection.port),
      BENCH_CONCURRENCY: String(options.concurrency),
    },
  );
  await child.call('run');
  const source = consumerSource(child);
  return {
    name: 'bullmq',
    async submit(id, payload) {
      await queue.add('noop', { p: payload.toString('utf8') }, { jobId: id });
    },
    sources: () => [source],
    pauseConsumers: () => child.call('pause'),
    resumeConsumers: () => child.call('run'),
    // An added job is in the wait list, where the worker takes it: nothing to wait for.
    settle: async () => undefined,
    targets: (): ProcTarget[] => [
      { label: 'bullmq-worker', group: 'peer', pid: child.pid, self: true, descendants: true },
      { label: 'redis', group: 'peer', pid: options.redis.pid, self: true, descendants: true },
    ],
    async close() {
      await child.stop();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    },
  };
}
