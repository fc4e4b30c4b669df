import { Messages, createNames } from '@asyncfn/contracts';
import { connectMongo, ensureIndexes, startReaper } from '@asyncfn/mongo';
import {
  connectNats,
  consumeBatches,
  createTaskQueues,
  ensureTopology,
  watchQueueDepth,
} from '@asyncfn/nats';
import { openTaskStore, runService } from '@asyncfn/service';
import { createBatchApplier, taskCoalescing } from './apply-batch.js';
import { createChangeFeed } from './change-feed.js';
import { startSweeper } from './sweeper.js';
import { createAppliedObserver } from './task-telemetry.js';

await runService('status', async ({ config, logger, health }) => {
  const names = createNames(config.namespace);
  const nc = await connectNats(config.natsUrl, 'asyncfn-status', config.natsAuth, {
    flushDelayMs: config.natsFlushMs,
  });
  const { client, db } = await connectMongo(config.mongoUrl, names.database);
  await ensureTopology(nc, names, { retentionSeconds: config.retentionSeconds });
  const { ttlSupported } = await ensureIndexes(db, names);
  // Without TTL indexes on the server, this service removes expired tasks itself, each minute.
  const reaper = ttlSupported
    ? undefined
    : startReaper({
        db,
        names,
        onError: (err) => logger.error({ err }, 'retention sweep failed'),
      });
  if (!ttlSupported) logger.info('server has no TTL indexes; expiring tasks with a periodic delete');
  const tasks = await openTaskStore({ config, names, db, logger, retention: true });
  const store = tasks.store;
  const observeApplied = createAppliedObserver({ consumer: names.consumers.status, logger });
  const recordChange = createChangeFeed(nc, names);
  const consumer = await consumeBatches({
    nc,
    sources: [
      { stream: names.streams.claims, durable: names.consumers.statusClaims },
      { stream: names.streams.events, durable: names.consumers.status },
    ],
    contract: Messages.taskEvent,
    maxBatch: 500,
    // A task's events come milliseconds apart: a short wait lets one write carry several of them.
    lingerMs: 10,
    coalesce: taskCoalescing({
      windowMs: config.statusCoalesceMs,
      claimHoldMs: config.statusClaimHoldMs,
      claimsStream: names.streams.claims,
    }),
    logger,
    handleBatch: createBatchApplier({
      store,
      retentionSeconds: config.retentionSeconds,
      logger,
      onApplied: (event, msg) => {
        observeApplied(event, msg);
        recordChange(event);
      },
    }),
  });
  const sweeper = startSweeper({
    nc,
    names,
    store,
    queues: await createTaskQueues(nc, names),
    logger,
    sweepAfterMs: config.sweepAfterMs,
  });
  // Queue depth is reported here as well as by the dispatchers: a backlog must stay visible (and
  // alert) when no dispatcher is running at all.
  const queueDepth = await watchQueueDepth({ nc, names, logger, refreshMs: config.queueDepthRefreshMs });
  health.checks.push(async () => {
    if (nc.isClosed()) throw new Error('NATS connection closed');
    await db.command({ ping: 1 });
    await tasks.ping();
  });
  return {
    async stop() {
      sweeper.stop();
      queueDepth.stop();
      reaper?.stop();
      await consumer.stop();
      await nc.drain();
      await tasks.close();
      await client.close();
    },
  };
});
