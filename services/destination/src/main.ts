import { Messages, createNames } from '@asyncfn/contracts';
import { createKafkaProducer } from '@asyncfn/kafka';
import { connectMongo } from '@asyncfn/mongo';
import { connectNats, consumeEach, createMessageQueues, ensureTopology, watchFunctions } from '@asyncfn/nats';
import { openTaskStore, runService } from '@asyncfn/service';
import { createDeliveryHandler } from './deliver.js';
import { keepEventFilter } from './event-filter.js';
import { createResolver } from './resolve.js';
import { loadDestinationSettings } from './settings.js';
import { createFunctionTransport } from './transports/function.js';
import { createHttpTransport } from './transports/http.js';
import { createKafkaTransport } from './transports/kafka.js';
import { createMnsTransport } from './transports/mns.js';
import { createNatsTransport } from './transports/nats.js';

/*
 * The destination service: terminal events → result records → onSuccess / onFailure destinations.
 * Three durable consumers: terminal events and API redelivery requests are resolved into delivery
 * jobs (once the task's terminal state is recorded); delivery jobs are sent, each attempt one
 * JetStream delivery, retried by nak(backoff), dead-lettered when attempts run out.
 */
await runService('destination', async ({ config, logger, health }) => {
  const settings = loadDestinationSettings();
  if (settings.usingDevSecret) {
    logger.warn(
      'ASYNCFN_DESTINATION_SIGNING_SECRET is not set: HTTP destinations are signed with the dev default',
    );
  }
  const names = createNames(config.namespace);
  const nc = await connectNats(config.natsUrl, 'asyncfn-destination', config.natsAuth, {
    flushDelayMs: config.natsFlushMs,
  });
  const { client, db } = await connectMongo(config.mongoUrl, names.database);
  const buckets = await ensureTopology(nc, names, { retentionSeconds: config.retentionSeconds });
  const taskStore = await openTaskStore({ config, names, db, logger });
  const tasks = taskStore.store;
  const functions = await watchFunctions(buckets.functions);
  // Kafka is needed only by Kafka destinations: reached once here to report it early, then
  // connected while deliveries use it.
  const kafka = createKafkaProducer(config.kafkaBrokers, {
    clientId: 'asyncfn-destination',
    timeoutMs: settings.timeoutMs,
    logger,
  });
  kafka
    .connect()
    .catch((err: Error) =>
      logger.warn({ err: err.message }, 'Kafka not reachable yet; Kafka destinations retry'),
    );

  const resolver = createResolver({ names, nc, functions, tasks, logger });
  const handleDelivery = createDeliveryHandler({
    names,
    nc,
    tasks,
    settings,
    logger,
    transports: {
      nats: createNatsTransport(nc, { timeoutMs: settings.timeoutMs }),
      kafka: createKafkaTransport(kafka),
      http: createHttpTransport({ timeoutMs: settings.timeoutMs }),
      fn: createFunctionTransport(nc, names, { timeoutMs: settings.timeoutMs }),
      mns: createMnsTransport(createMessageQueues(nc, names), { timeoutMs: settings.timeoutMs }),
    },
  });

  // Before the consumer starts: only functions with destinations send it their terminal events.
  const eventFilter = await keepEventFilter({ nc, names, bucket: buckets.functions, functions, logger });
  const terminal = await consumeEach({
    nc,
    stream: names.streams.events,
    durable: names.consumers.destination,
    contract: Messages.taskEvent,
    concurrency: 64,
    logger,
    handle: resolver.handleTerminalEvent,
  });
  const redeliveries = await consumeEach({
    nc,
    stream: names.streams.deliveries,
    durable: names.consumers.destinationRedeliveries,
    contract: Messages.redeliveryRequest,
    concurrency: 16,
    logger,
    handle: resolver.handleRedelivery,
  });
  // One slot per attempt in flight, bounded by the per-attempt timeout: a dead destination
  // occupies a few slots for a few seconds, never the whole consumer.
  const deliveries = await consumeEach({
    nc,
    stream: names.streams.deliveries,
    durable: names.consumers.destinationDeliveries,
    contract: Messages.deliveryJob,
    concurrency: settings.concurrency,
    logger,
    handle: handleDelivery,
  });
  health.checks.push(async () => {
    if (nc.isClosed()) throw new Error('NATS connection closed');
  });
  return {
    async stop() {
      await Promise.all([terminal.stop(), redeliveries.stop(), deliveries.stop()]);
      eventFilter.stop();
      functions.stop();
      await kafka.disconnect();
      await nc.drain();
      await taskStore.close();
      await client.close();
    },
  };
});
