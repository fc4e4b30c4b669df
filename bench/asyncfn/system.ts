import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { startStack, type Stack } from '../../scripts/stack.js';
import { BENCH_NAMESPACES, dropNamespaces } from '../../test/harness/namespaces.js';
import { startCollector, type Collector } from './collector.js';
import { createBenchFunction, type FunctionSpec } from './functions.js';
import { createIngressClient, type IngressClient } from './ingress-client.js';
import { openReadModel, type ReadModel } from './read-model.js';
import { openPgReadModel } from './read-model-pg.js';
import { readSetting } from '@asyncfn/config';
import type { StorageUrls } from '../../test/harness/storage.js';

/*
 * asyncfn as the bench runs it: the five services as real processes (startStack) in a namespace
 * of their own, the bench functions, a keep-alive signed HTTP client, the read model, and the
 * completion collector.
 */

export interface SystemOptions {
  /** The admin's access (the services read their own credentials). */
  storage: StorageUrls;
  namespace: string;
  clientConnections: number;
  functions: FunctionSpec[];
  env: Record<string, string>;
}

export interface AsyncfnSystem {
  stack: Stack;
  client: IngressClient;
  readModel: ReadModel;
  collector: Collector;
  namespace: string;
  /** Stops the services and helpers; drops the namespace's database and streams unless kept. */
  close(keepData: boolean): Promise<void>;
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Five consecutive free loopback ports (ingress, dispatcher, executor, status, destination). */
export async function freePortBase(from = 19_600, to = 19_990): Promise<number> {
  for (let base = from + Math.floor(Math.random() * 40) * 5; base + 5 <= to; base += 5) {
    const free = await Promise.all([0, 1, 2, 3, 4].map((i) => portIsFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no five free ports in ${from}-${to}`);
}

function requirePostgres(storage: StorageUrls): string {
  if (!storage.postgresUrl) throw new Error('ASYNCFN_TASK_STORE=postgresql, but no PostgreSQL is configured');
  return storage.postgresUrl;
}

export async function startAsyncfn(options: SystemOptions): Promise<AsyncfnSystem> {
  const collector = await startCollector();
  const portBase = await freePortBase();
  let stack: Stack | undefined;
  try {
    stack = await startStack({
      namespace: options.namespace,
      portBase,
      // NATS_URL / MONGO_URL, when set, reach the services through the environment they inherit.
      env: {
        // The sandboxed bench function reports to the collector on the host's loopback (UDP).
        ASYNCFN_SANDBOX_HOST_PORTS: String(collector.port),
        ...options.env,
      },
    });
    const client = createIngressClient(stack.ingressUrl, options.clientConnections);
    for (const fn of options.functions) await createBenchFunction(client, fn, collector.port);
    // The store the services write (ASYNCFN_TASK_STORE, from the environment they inherit).
    const readModel =
      readSetting('ASYNCFN_TASK_STORE', { ...process.env, ...options.env }) === 'postgresql'
        ? await openPgReadModel(requirePostgres(options.storage), options.namespace)
        : await openReadModel(options.storage.mongoUrl, options.namespace);
    const started = stack;
    return {
      stack: started,
      client,
      readModel,
      collector,
      namespace: options.namespace,
      async close(keepData) {
        await started.stopAll();
        await client.close();
        await collector.stop();
        if (!keepData) {
          await dropNamespaces(options.storage, [options.namespace], BENCH_NAMESPACES).catch(() => undefined);
          // The executor's unpacked function code; the services' logs stay for a post-mortem.
          const code = started.env.ASYNCFN_CODE_CACHE;
          if (code) rmSync(code, { recursive: true, force: true });
        }
        await readModel.close();
      },
    };
  } catch (err) {
    await stack?.stopAll();
    await collector.stop();
    throw err;
  }
}
