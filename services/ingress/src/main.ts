import { accessKeyLookup, parseAccessKeys } from '@asyncfn/auth';
import { createNames } from '@asyncfn/contracts';
import {
  connectMongo,
  createFunctionStore,
  createTaskStore,
  createTriggerStore,
  ensureIndexes,
} from '@asyncfn/mongo';
import {
  connectNats,
  createEventBus,
  createNonceStore,
  createStopRequests,
  createTaskClaims,
  createTaskQueues,
  ensureTopology,
  putFunction,
  putTrigger,
  watchFunctions,
  watchTriggers,
} from '@asyncfn/nats';
import { runService } from '@asyncfn/service';
import { createTaskAcceptor } from './accept-task.js';
import { buildApp } from './app.js';
import { startIntake } from './intake.js';

await runService('ingress', async ({ config, logger }) => {
  const accessKeys = accessKeyLookup(parseAccessKeys(config.accessKeys));
  const names = createNames(config.namespace);
  const nc = await connectNats(config.natsUrl, 'asyncfn-ingress', config.natsAuth);
  const { client, db } = await connectMongo(config.mongoUrl, names.database);
  const buckets = await ensureTopology(nc, names, { retentionSeconds: config.retentionSeconds });
  await ensureIndexes(db, names);
  const functions = createFunctionStore(db, names);
  const tasks = createTaskStore(db, names);
  // MongoDB is the source of truth for functions; the KV copy is what other services watch.
  for await (const record of functions.listAll()) await putFunction(buckets.functions, record);
  const bus = createEventBus(nc, names, 'ingress');
  const directory = await watchFunctions(buckets.functions);
  // Triggers likewise: MongoDB holds them, the KV copy is what trigger runners and HTTP triggers watch.
  const triggerStore = createTriggerStore(db, names);
  for await (const record of triggerStore.listAll()) await putTrigger(buckets.triggers, record);
  const triggers = {
    store: triggerStore,
    kv: buckets.triggers,
    directory: await watchTriggers(buckets.triggers),
  };
  const claims = await createTaskClaims(nc, names);
  const queues = await createTaskQueues(nc, names);
  const acceptor = createTaskAcceptor({ claims, queues, logger });
  const app = await buildApp({
    names,
    nc,
    functions,
    directory,
    tasks,
    claims,
    queues,
    retentionSeconds: config.retentionSeconds,
    functionsKv: buckets.functions,
    stops: createStopRequests(buckets.stops),
    bus,
    acceptor,
    triggers,
    accessKeys,
    nonces: createNonceStore(buckets.nonces),
    limits: {
      maxAsyncPayloadBytes: config.maxAsyncPayloadBytes,
      maxSyncPayloadBytes: config.maxSyncPayloadBytes,
    },
    logger,
    ready: async () => {
      if (nc.isClosed()) throw new Error('NATS connection closed');
      await db.command({ ping: 1 });
    },
  });
  await app.listen({ host: config.host, port: config.port });
  const intake = startIntake({
    nc,
    names,
    directory,
    acceptor,
    maxAsyncPayloadBytes: config.maxAsyncPayloadBytes,
    logger,
  });
  return {
    ownsPort: true,
    async stop() {
      await intake.stop();
      await app.close();
      directory.stop();
      triggers.directory.stop();
      await nc.drain();
      await client.close();
    },
  };
});
