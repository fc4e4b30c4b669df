import type { FastifyInstance } from 'fastify';
import { accessKeyLookup, parseAccessKeys } from '@asyncfn/auth';
import type { Config } from '@asyncfn/config';
import type { Logger } from '@asyncfn/telemetry';
import { openTaskStore } from '@asyncfn/service';
import { createNames } from '@asyncfn/contracts';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  connectMongo,
  createBulkOperationStore,
  createFc2ServiceStore,
  createFunctionStore,
  createTriggerStore,
  ensureIndexes,
} from '@asyncfn/mongo';
import {
  connectNats,
  createDestinationFilter,
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
  openConcurrencyLeases,
} from '@asyncfn/nats';
import { createTaskAcceptor } from './accept-task.js';
import type { IngressDeps } from './deps.js';
import { buildApp } from './app.js';
import { createBulkRunner } from './bulk-runner.js';
import { createSessionStore } from './console/session-store.js';

/** The ingress put together: its HTTP app, its dependencies, and how to close them. */
export interface WiredIngress {
  app: FastifyInstance;
  deps: IngressDeps;
  bulkRunner: ReturnType<typeof createBulkRunner>;
  /** Closes the app, the watchers and the connections (after whatever was started on them). */
  close(): Promise<void>;
}

/**
 * Connects to NATS and MongoDB, makes the stores and builds the app: main.ts starts it, and the
 * app's tests inject() into it against the same real servers.
 */
export async function wireIngress(config: Config, logger: Logger): Promise<WiredIngress> {
  const accessKeys = accessKeyLookup(parseAccessKeys(config.accessKeys));
  const names = createNames(config.namespace);
  const nc = await connectNats(config.natsUrl, 'asyncfn-ingress', config.natsAuth);
  const { client, db } = await connectMongo(config.mongoUrl, names.database);
  const buckets = await ensureTopology(nc, names, { retentionSeconds: config.retentionSeconds });
  await ensureIndexes(db, names);
  const functions = createFunctionStore(db, names);
  const taskStore = await openTaskStore({ config, names, db, logger });
  const tasks = taskStore.store;
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
  const acceptor = createTaskAcceptor({
    claims,
    queues,
    logger,
    maxPayloadBytes: config.maxAsyncPayloadBytes,
  });
  const stops = createStopRequests(buckets.stops);
  const limits = {
    maxAsyncPayloadBytes: config.maxAsyncPayloadBytes,
    maxSyncPayloadBytes: config.maxSyncPayloadBytes,
  };
  const leases = await openConcurrencyLeases(nc, names, { tenantLimit: config.tenantConcurrencyLimit });
  const bulkStore = createBulkOperationStore(db, names);
  const bulkRunner = createBulkRunner({
    store: bulkStore,
    tasks,
    control: { bus, stops, queues, acceptor, functions },
    logger,
    owner: `ingress-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`,
    leaseMs: config.bulkLeaseMs,
    tasksPerSecond: config.bulkTasksPerSecond,
  });
  const deps: IngressDeps = {
    names,
    nc,
    functions,
    directory,
    tasks,
    claims,
    queues,
    retentionSeconds: config.retentionSeconds,
    functionsKv: buckets.functions,
    destinationFilter: createDestinationFilter(nc, names),
    stops,
    bus,
    acceptor,
    triggers,
    fc2Services: createFc2ServiceStore(db, names),
    accessKeys,
    nonces: createNonceStore(buckets.nonces),
    bulk: { store: bulkStore, runner: bulkRunner },
    limits,
    defaultTaskMode: config.defaultTaskMode,
    leases,
    // GetFunctionCode tokens live in the nonces bucket (30-minute TTL; each token carries its expiry).
    codeDownloads: {
      put: async (token, value) => void (await buckets.nonces.put(`code-download.${token}`, value)),
      get: async (token) => {
        const entry = await buckets.nonces.get(`code-download.${token}`);
        return entry && entry.operation === 'PUT' ? entry.string() : undefined;
      },
    },
    logger,
    jaegerQueryUrl: config.jaegerQueryUrl,
    metricsSources: config.metricsSources,
    console: {
      dir: config.consoleDir,
      sessions: createSessionStore({ ttlMs: config.consoleSessionTtlSeconds * 1000 }),
      sessionTtlMs: config.consoleSessionTtlSeconds * 1000,
      accessKeys,
    },
    ready: async () => {
      if (nc.isClosed()) throw new Error('NATS connection closed');
      await db.command({ ping: 1 });
      await taskStore.ping();
    },
  };
  const app = await buildApp(deps);
  return {
    app,
    deps,
    bulkRunner,
    async close() {
      await app.close();
      await bulkRunner.stop();
      directory.stop();
      triggers.directory.stop();
      await nc.drain();
      await taskStore.close();
      await client.close();
    },
  };
}
