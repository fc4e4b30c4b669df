import { jetstreamManager } from '@nats-io/jetstream';
import { readSetting } from '@asyncfn/config';
import { Messages, createNames } from '@asyncfn/contracts';
import { connectMongo, createFunctionStore } from '@asyncfn/mongo';
import {
  connectNats,
  consumeEach,
  createEventBus,
  createInstanceDirectory,
  mirrorStopRequests,
  createTaskLogs,
  ensureTopology,
  watchFunctions,
  openConcurrencyLeases,
  createTaskDispatch,
  createTaskQueues,
} from '@asyncfn/nats';
import { createInstancePool, instanceShell, sandboxUid, DEFAULT_SANDBOX_OPTIONS } from '@asyncfn/runtime';
import { runService } from '@asyncfn/service';
import { recordInstanceEvent } from './attempt-telemetry.js';
import { createCodeProvider, zipVersion } from './code-provider.js';
import { TASK_LOG_MAX_BYTES } from './attempt-logs.js';
import { createQueuedHandler } from './handle-queued.js';
import { createRunHandler } from './handle-run.js';
import { createInstanceRegistry } from './instance-registry.js';
import { createRetryingTasks } from './retrying-tasks.js';
import { createRunningTasks } from './running-tasks.js';
import { startSyncServer } from './sync-server.js';
import { createTerminalServer } from './terminal-server.js';

await runService('executor', async ({ config, logger, health }) => {
  const names = createNames(config.namespace);
  const nc = await connectNats(config.natsUrl, 'asyncfn-executor', config.natsAuth, {
    flushDelayMs: config.natsFlushMs,
  });
  // Reads code only: the executor never writes to MongoDB.
  const { client, db } = await connectMongo(config.mongoUrl, names.database);
  const buckets = await ensureTopology(nc, names, { retentionSeconds: config.retentionSeconds });
  const jsm = await jetstreamManager(nc);
  const functions = await watchFunctions(buckets.functions);
  const stops = await mirrorStopRequests(buckets.stops);
  const bus = createEventBus(nc, names, 'executor');
  const { writableDirs, ...sandboxConfig } = config.sandbox;
  const sandbox = { ...DEFAULT_SANDBOX_OPTIONS, ...sandboxConfig, writableBinds: writableDirs };
  // "Log on to an instance": terminals into sandboxed instances, relayed by the ingress.
  const terminals = createTerminalServer({ instances: () => pool.list(), shell: instanceShell, logger });
  const registry = createInstanceRegistry({
    directory: createInstanceDirectory(buckets.instances),
    list: () => pool.list(),
    logger,
    ...(sandbox.mode === 'none'
      ? {}
      : { terminal: { url: readSetting('ASYNCFN_EXECUTOR_TERMINAL_URL'), token: terminals.token } }),
  });
  // Throws (and the executor does not start) when the host cannot sandbox: never unconfined silently.
  const pool = createInstancePool({
    sandbox,
    idleTimeoutMs: config.instanceIdleMs,
    // One attempt may fill the task's whole log allowance.
    maxLogBytes: TASK_LOG_MAX_BYTES,
    logger,
    onInstanceChange: (info) => {
      registry.changed(info);
      terminals.instanceChanged(info);
    },
    // Live instances and cold starts per function, for /metrics.
    onInstanceEvent: recordInstanceEvent,
    pythonBinaries: config.pythonBinaries,
  });
  // An updated function's instances are replaced once idle; running attempts finish on old code.
  const code = createCodeProvider({
    functions: createFunctionStore(db, names),
    cacheDir: config.codeCacheDir,
    // A tenant's code is readable by its sandboxes' group only.
    ...(sandbox.mode === 'none' ? {} : { groupOf: (tenant: string) => sandboxUid(tenant, sandbox) }),
  });
  functions.onChange((key, record) => {
    const poolKey = key.replace('.', '/');
    if (record) {
      if (!record.localDirectory) pool.setLatestVersion(poolKey, zipVersion(record));
      return;
    }
    pool.setLatestVersion(poolKey, undefined);
    // A deleted function's code leaves the disk once its running instances are gone (unless it was
    // created again meanwhile).
    const [tenant = '', functionName = ''] = key.split('.');
    void (async () => {
      while (pool.list(poolKey).length > 0) await new Promise((r) => setTimeout(r, 500));
      if (!(await functions.get(tenant, functionName))) await code.forget(tenant, functionName);
    })().catch((err: unknown) => logger.warn({ err, key }, "could not remove a deleted function's code"));
  });
  const running = createRunningTasks();
  const retrying = createRetryingTasks({
    bus,
    stops,
    withdraw: (seq) => jsm.streams.deleteMessage(names.streams.runs, seq, false).catch(() => false),
  });
  let shuttingDown = false;
  const stopWatch = await stops.watch((stop) => {
    if (running.stop(stop.tenant, stop.taskId, stop.forceAt)) {
      logger.info({ taskId: stop.taskId, forceAt: stop.forceAt }, 'stopping running task');
      return;
    }
    retrying.stop(stop).then(
      (stopped) => stopped && logger.info({ taskId: stop.taskId }, 'stopped task waiting to retry'),
      (err: unknown) => logger.error({ err, taskId: stop.taskId }, 'could not stop a retrying task'),
    );
  });
  const leases = await openConcurrencyLeases(nc, names, { tenantLimit: config.tenantConcurrencyLimit });
  const runs = await consumeEach({
    nc,
    stream: names.streams.runs,
    durable: names.consumers.executor,
    contract: Messages.runQueue,
    concurrency: readSetting('ASYNCFN_EXECUTOR_CONCURRENCY'),
    logger,
    handle: createQueuedHandler({
      runTask: createRunHandler({
        functions,
        stops,
        bus,
        pool,
        code,
        running,
        retrying,
        logs: createTaskLogs(buckets.logs),
        retryPolicy: { baseDelayMs: config.retryBaseDelayMs, maxDelayMs: config.retryMaxDelayMs },
        leases,
        logger,
        isShuttingDown: () => shuttingDown,
      }),
      // Tasks due at once are dispatched here (the dispatcher's decision, in this process).
      dispatch: createTaskDispatch({ functions, stops, bus, leases, logger }),
      queues: await createTaskQueues(nc, names),
      functions,
    }),
  });
  const sync = startSyncServer({ nc, names, functions, pool, code, logger });
  health.checks.push(async () => {
    if (nc.isClosed()) throw new Error('NATS connection closed');
  });
  return {
    upgrade: terminals.upgrade,
    async stop() {
      shuttingDown = true;
      // No new sync calls; those in hand end with the pool's shutdown, and are answered.
      const syncStopped = sync.stop();
      terminals.closeAll();
      stopWatch.stop();
      stops.close();
      // Running attempts are stopped with their PreStop hooks; their messages are redelivered.
      await Promise.all([runs.stop(), pool.shutdown()]);
      await syncStopped;
      await registry.stop();
      functions.stop();
      await nc.drain();
      await client.close();
    },
  };
});
