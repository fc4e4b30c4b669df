import { createNames } from '@asyncfn/contracts';
import { connectMongo, createFunctionStore } from '@asyncfn/mongo';
import {
  connectNats,
  consumeEach,
  createEventBus,
  createStopRequests,
  ensureTopology,
  watchFunctions,
} from '@asyncfn/nats';
import { createInstancePool } from '@asyncfn/runtime';
import { runService } from '@asyncfn/service';
import { createCodeProvider } from './code-provider.js';
import { createRunHandler } from './handle-run.js';
import { createRunningTasks } from './running-tasks.js';
import { startSyncServer } from './sync-server.js';

await runService('executor', async ({ config, logger, health }) => {
  const names = createNames(config.namespace);
  const nc = await connectNats(config.natsUrl, 'asyncfn-executor');
  // Reads code only: the executor never writes to MongoDB.
  const { client, db } = await connectMongo(config.mongoUrl, names.database);
  const buckets = await ensureTopology(nc, names);
  const functions = await watchFunctions(buckets.functions);
  const stops = createStopRequests(buckets.stops);
  const pool = createInstancePool({ idleTimeoutMs: config.instanceIdleMs, logger });
  const codeDir = createCodeProvider({
    functions: createFunctionStore(db, names),
    cacheDir: config.codeCacheDir,
  });
  const running = createRunningTasks();
  let shuttingDown = false;
  const stopWatch = await stops.watch((stop) => {
    if (running.abort(stop.tenant, stop.taskId, 'stop requested'))
      logger.info({ taskId: stop.taskId }, 'stopping running task');
  });
  const runs = await consumeEach({
    nc,
    stream: names.streams.runs,
    durable: names.consumers.executor,
    concurrency: Number(process.env.ASYNCFN_EXECUTOR_CONCURRENCY ?? 64),
    logger,
    handle: createRunHandler({
      functions,
      stops,
      bus: createEventBus(nc, names, 'executor'),
      pool,
      codeDir,
      running,
      retryPolicy: { baseDelayMs: config.retryBaseDelayMs, maxDelayMs: config.retryMaxDelayMs },
      isShuttingDown: () => shuttingDown,
    }),
  });
  const sync = startSyncServer({ nc, names, functions, pool, codeDir, logger });
  health.checks.push(async () => {
    if (nc.isClosed()) throw new Error('NATS connection closed');
  });
  return {
    async stop() {
      shuttingDown = true;
      sync.unsubscribe();
      stopWatch.stop();
      // Running attempts are stopped with their PreStop hooks; their messages are redelivered.
      await Promise.all([runs.stop(), pool.shutdown()]);
      functions.stop();
      await nc.drain();
      await client.close();
    },
  };
});
