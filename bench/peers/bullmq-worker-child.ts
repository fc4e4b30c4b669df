import { Worker } from 'bullmq';
import { monoMs } from '../lib/clock.js';
import { ArrivalLog } from '../lib/arrivals.js';
import { serveParent } from '../lib/child.js';

/*
 * Bench child: the BullMQ peer's worker, a noop processor with the same concurrency as the asyncfn
 * function. A job counts as completed when BullMQ emits 'completed' (moved to the completed set).
 */

const queueName = process.env.BENCH_QUEUE ?? 'bench';
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 50);
const connection = { host: '127.0.0.1', port: Number(process.env.BENCH_REDIS_PORT ?? 6390) };

const done = new ArrivalLog();
const worker = new Worker(queueName, async () => 'ok', { connection, concurrency, autorun: false });
worker.on('completed', (job) => {
  done.record(job.id ?? '', monoMs());
});
worker.on('error', (err) => console.error(`bullmq worker: ${err.message}`));
let running = false;

serveParent({
  async run() {
    if (!running) {
      running = true;
      if (worker.isPaused()) worker.resume();
      else void worker.run();
    }
  },
  async pause() {
    if (running) await worker.pause();
    running = false;
  },
  take: (prefix) => done.take(String(prefix), monoMs()),
});

process.on('SIGTERM', () => {
  void worker.close().finally(() => process.exit(0));
});
