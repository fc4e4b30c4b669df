import PgBoss from 'pg-boss';
import { ArrivalLog } from '../lib/arrivals.js';
import { sleep, monoMs } from '../lib/clock.js';
import { serveParent } from '../lib/child.js';

/*
 * Bench child: the pg-boss peer's workers. Each of BENCH_WORKERS loops fetches up to BENCH_BATCH
 * jobs, runs the noop, and completes the batch in one call; a job counts as done when that
 * complete returns (its state is committed). An empty fetch waits BENCH_POLL_MS, as pg-boss's own
 * `work` polls. Written with fetch/complete rather than `work` to see the moment of completion.
 */

const queueName = process.env.BENCH_QUEUE ?? 'bench';
const workers = Number(process.env.BENCH_WORKERS ?? 16);
const batchSize = Number(process.env.BENCH_BATCH ?? 200);
const pollMs = Number(process.env.BENCH_POLL_MS ?? 500);

const boss = new PgBoss({ connectionString: process.env.BENCH_PGBOSS_URL, max: workers + 2 });
boss.on('error', (err: Error) => console.error(`pg-boss worker: ${err.message}`));
await boss.start();

const done = new ArrivalLog();
let running = false;
let loops: Promise<void>[] = [];

async function workLoop(): Promise<void> {
  while (running) {
    const jobs = await boss.fetch<{ id: string }>(queueName, { batchSize });
    if (jobs.length === 0) {
      await sleep(pollMs);
      continue;
    }
    await boss.complete(
      queueName,
      jobs.map((j) => j.id),
    );
    const at = monoMs();
    for (const j of jobs) done.record(j.data.id, at);
  }
}

serveParent({
  async run() {
    if (running) return;
    running = true;
    loops = Array.from({ length: workers }, () =>
      workLoop().catch((err: Error) => console.error(`pg-boss worker loop: ${err.message}`)),
    );
  },
  async pause() {
    running = false;
    await Promise.all(loops);
    loops = [];
  },
  take: (prefix) => done.take(String(prefix), monoMs()),
});

process.on('SIGTERM', () => {
  running = false;
  void boss.stop({ graceful: false, close: true }).finally(() => process.exit(0));
});
