import { Messages, createNames } from '@asyncfn/contracts';
import {
  connectNats,
  consumeEach,
  createEventBus,
  mirrorStopRequests,
  createTaskQueues,
  ensureTopology,
  watchFunctions,
  watchQueueDepth,
  openConcurrencyLeases,
} from '@asyncfn/nats';
import { runService } from '@asyncfn/service';
import { createTaskHandler } from './handle-task.js';
import { createStopHandler } from './handle-stop.js';
import { startTriggerRunners } from './triggers/trigger-runners.js';

await runService('dispatcher', async ({ config, logger, health }) => {
  const names = createNames(config.namespace);
  const nc = await connectNats(config.natsUrl, 'asyncfn-dispatcher', config.natsAuth, {
    flushDelayMs: config.natsFlushMs,
  });
  const buckets = await ensureTopology(nc, names, { retentionSeconds: config.retentionSeconds });
  const functions = await watchFunctions(buckets.functions);
  const bus = createEventBus(nc, names, 'dispatcher');
  const stopRequests = await mirrorStopRequests(buckets.stops);
  const tasks = await consumeEach({
    nc,
    stream: names.streams.tasks,
    durable: names.consumers.dispatcher,
    contract: Messages.acceptedTask,
    concurrency: 256,
    logger,
    handle: createTaskHandler({
      logger,
      functions,
      stops: stopRequests,
      bus,
      queues: await createTaskQueues(nc, names),
      leases: await openConcurrencyLeases(nc, names, { tenantLimit: config.tenantConcurrencyLimit }),
    }),
  });
  const stops = await consumeEach({
    nc,
    stream: names.streams.events,
    durable: names.consumers.dispatcherStops,
    contract: Messages.taskStopRequested,
    concurrency: 16,
    logger,
    handle: await createStopHandler({ nc, streams: names.streams, bus }),
  });
  const queueDepth = await watchQueueDepth({
    nc,
    names,
    logger,
    consumer: names.consumers.dispatcher,
    refreshMs: config.queueDepthRefreshMs,
  });
  // Kafka, NATS and timer triggers: runners follow the triggers KV bucket.
  const triggers = await startTriggerRunners({
    nc,
    names,
    kv: buckets.triggers,
    kafkaBrokers: config.kafkaBrokers,
    logger,
  });
  health.checks.push(async () => {
    if (nc.isClosed()) throw new Error('NATS connection closed');
  });
  return {
    async stop() {
      await triggers.stop();
      queueDepth.stop();
      await Promise.all([tasks.stop(), stops.stop()]);
      functions.stop();
      stopRequests.close();
      await nc.drain();
    },
  };
});
