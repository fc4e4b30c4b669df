import { createNames, type TaskEvent } from '@asyncfn/contracts';
import { connectNats, consumeEach, done, drop, ensureTopology } from '@asyncfn/nats';
import { runService } from '@asyncfn/service';

/*
 * The destination service consumes every terminal event through its own durable consumer.
 * Delivery of result records to destinations is not built yet: for now terminal events are
 * acknowledged and counted, so the consumer does not back up.
 */
await runService('destination', async ({ config, logger, health }) => {
  const names = createNames(config.namespace);
  const nc = await connectNats(config.natsUrl, 'asyncfn-destination');
  await ensureTopology(nc, names);
  let seen = 0;
  const terminal = await consumeEach({
    nc,
    stream: names.streams.events,
    durable: names.consumers.destination,
    concurrency: 64,
    logger,
    handle: async (msg) => {
      try {
        const event = msg.json<TaskEvent>();
        seen += 1;
        logger.debug({ taskId: event.taskId, type: event.type, seen }, 'terminal event');
        return done;
      } catch {
        return drop('unreadable event');
      }
    },
  });
  health.checks.push(async () => {
    if (nc.isClosed()) throw new Error('NATS connection closed');
  });
  return {
    async stop() {
      await terminal.stop();
      await nc.drain();
    },
  };
});
