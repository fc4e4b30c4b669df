import { monoMs } from './lib/clock.js';
import { countersDelta, readOpCounters } from './lib/op-counters.js';
import { closedLoop } from './lib/load.js';
import { watchCompletions } from './lib/completions.js';
import { payloadsOf } from './lib/payload.js';
import type { BenchOptions } from './lib/options.js';
import {
  serverTargets,
  serviceTargets,
  startResourceMeter,
  type ProcTarget,
  type ResourceMeter,
  type ResourceWindow,
} from './lib/resources.js';
import { ensureServers, type Servers } from './lib/servers.js';
import { BENCH_NAMESPACES, dropNamespaces, staleNamespaces } from '../test/harness/namespaces.js';
import type { SystemUnderTest } from './lib/system-under-test.js';
import { asyncfnSut } from './asyncfn/asyncfn-sut.js';
import type { FunctionSpec } from './asyncfn/functions.js';
import { startAsyncfn, type AsyncfnSystem } from './asyncfn/system.js';
import { startBullmqPeer, type BullmqPeer } from './peers/bullmq.js';
import { startJetStreamPeer, type JetStreamPeer } from './peers/jetstream.js';
import { startPgbossPeer, type PgbossPeer } from './peers/pgboss.js';
import { startRedis, type RedisServer } from './peers/redis-server.js';
import type { Measured } from './report/types.js';
import { storageUrls } from '../test/harness/storage.js';

/*
 * Everything a bench run uses, started once: the servers, the resource meter, asyncfn (five
 * services, one namespace) with one function per workload, the peers. Closing stops all of it in
 * reverse order, also on Ctrl-C.
 */

/** One function per asyncfn workload, so that each one's tasks can be counted on their own. */
export const FUNCTIONS = {
  submit: 'submit',
  e2e: 'noop',
  taskoff: 'untracked',
  retries: 'retry',
  backlog: 'backlog',
} as const;
export type FunctionKey = keyof typeof FUNCTIONS;

export interface BenchContext {
  opts: BenchOptions;
  /** Time left before the budget's end (less the reserve for checks, reports and shutdown). */
  remainingMs(): number;
  /** True when a phase needing `needMs` still fits; otherwise notes it as skipped. */
  fits(phase: string, needMs: number): boolean;
  /** Phases skipped for lack of time. */
  skipped: string[];
  namespace: string;
  natsUrl: string;
  mongoUrl: string;
  meter: ResourceMeter;
  asyncfn?: AsyncfnSystem;
  suts: Partial<Record<FunctionKey | 'jetstream' | 'bullmq' | 'pgboss', SystemUnderTest>>;
  /** Tasks answered 202, per asyncfn function (for the correctness check). */
  accepted: Map<string, number>;
  redis?: RedisServer;
  /**
   * Runs a phase and measures CPU and memory over it; `loadEnded`, when the work calls it, closes
   * the window early (at the end of the offered load, before the results are read back).
   */
  measured<T>(label: string, work: (loadEnded: () => Promise<void>) => Promise<T>): Promise<Measured<T>>;
  /** Re-reads the process list (after a service restart). */
  retrack(): Promise<void>;
  close(): Promise<void>;
}

/** The full default bench takes hours; a namespace older than this is no run's any more. */
const STALE_BENCH_NAMESPACE_MS = 12 * 60 * 60 * 1000;

const needsAsyncfn = (o: BenchOptions) =>
  o.workloads.some((w) => ['submit', 'e2e', 'taskoff', 'retries', 'backlog'].includes(w));

/** Counts accepted submissions per function around a system under test. */
function counting(sut: SystemUnderTest, fn: string, accepted: Map<string, number>): SystemUnderTest {
  return {
    ...sut,
    async submit(id, payload) {
      await sut.submit(id, payload);
      accepted.set(fn, (accepted.get(fn) ?? 0) + 1);
    },
  };
}

/** Kept free at the end of the budget for the correctness check, the reports and shutdown. */
export const FINISH_RESERVE_MS = 20_000;

export async function openContext(opts: BenchOptions, startedMono: number): Promise<BenchContext> {
  const deadline = startedMono + opts.budgetMs - FINISH_RESERVE_MS;
  const remainingMs = () => Math.max(0, deadline - monoMs());
  const skipped: string[] = [];
  const closers: Array<() => Promise<void> | void> = [];
  const close = async () => {
    for (const c of closers.reverse()) {
      try {
        await c();
      } catch (err) {
        console.warn(`cleanup: ${(err as Error).message}`);
      }
    }
    closers.length = 0;
  };
  try {
    const storage = storageUrls(process.env);
    const { natsUrl, mongoUrl } = storage;
    const wantsNats = needsAsyncfn(opts) || opts.workloads.includes('jetstream');
    const wantsPostgres = opts.workloads.includes('pgboss');
    let servers: Servers | undefined;
    if (wantsNats || wantsPostgres) {
      // pg-boss runs on the PostgreSQL that deploy/local starts with FerretDB ('mongo').
      const names = needsAsyncfn(opts)
        ? opts.servers
        : opts.servers.filter((s) => (s === 'nats' && wantsNats) || (s === 'mongo' && wantsPostgres));
      servers = await ensureServers(names);
      closers.push(() => servers?.stop());
    }
    if (wantsNats) {
      // A run drops its namespace when it closes; one that was killed left it: older than any run.
      const stale = await staleNamespaces(storage, STALE_BENCH_NAMESPACE_MS, BENCH_NAMESPACES);
      if (stale.length > 0) {
        console.log(`dropping ${stale.length} namespace(s) left by bench runs that were killed`);
        await dropNamespaces(storage, stale, BENCH_NAMESPACES);
      }
    }
    const meter = await startResourceMeter();
    closers.push(() => meter.stop());
    const namespace = `bench_${Date.now().toString(36)}`;
    const accepted = new Map<string, number>();
    const suts: BenchContext['suts'] = {};
    const extraTargets: ProcTarget[] = [
      { label: 'bench', group: 'bench', pid: process.pid, self: true, descendants: false },
      { label: 'proc-sampler', group: 'bench', pid: meter.pid, self: true, descendants: false },
    ];

    let redis: RedisServer | undefined;
    let bull: BullmqPeer | undefined;
    if (opts.workloads.includes('bullmq')) {
      redis = await startRedis();
      closers.push(() => redis?.stop());
      bull = await startBullmqPeer({ redis, namespace, concurrency: opts.instanceConcurrency });
      closers.push(() => bull?.close());
      suts.bullmq = bull;
    }
    let boss: PgbossPeer | undefined;
    if (opts.workloads.includes('pgboss')) {
      boss = await startPgbossPeer({ namespace, clients: opts.clients });
      closers.push(() => boss?.close());
      suts.pgboss = boss;
    }
    let js: JetStreamPeer | undefined;
    if (opts.workloads.includes('jetstream')) {
      js = await startJetStreamPeer({ storage, namespace, concurrency: opts.instanceConcurrency });
      closers.push(() => js?.close());
      suts.jetstream = js;
    }

    const retrack = async () => {
      await meter.track([
        ...serverTargets(),
        ...serviceTargets(),
        ...extraTargets,
        ...(js?.targets() ?? []),
        ...(bull?.targets() ?? []),
        ...(boss?.targets() ?? []),
      ]);
    };

    let asyncfn: AsyncfnSystem | undefined;
    if (needsAsyncfn(opts)) {
      const spec = (name: string, extra: Partial<FunctionSpec> = {}): FunctionSpec => ({
        name,
        instanceConcurrency: opts.instanceConcurrency,
        asyncTask: true,
        maxAsyncRetryAttempts: 1,
        ...extra,
      });
      console.log(`starting asyncfn (namespace ${namespace}) ...`);
      asyncfn = await startAsyncfn({
        storage,
        namespace,
        clientConnections: opts.clients,
        functions: [
          spec(FUNCTIONS.submit),
          spec(FUNCTIONS.e2e),
          spec(FUNCTIONS.taskoff, { asyncTask: false }),
          spec(FUNCTIONS.retries),
          spec(FUNCTIONS.backlog),
        ],
        env: {
          LOG_LEVEL: 'warn',
          ASYNCFN_RETRY_BASE_MS: '50',
          OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
          OTEL_TRACES_SAMPLER_ARG: String(opts.traceRatio),
        },
      });
      const sys = asyncfn;
      closers.push(() => sys.close(opts.keepData));
      extraTargets.push({
        label: 'collector',
        group: 'bench',
        pid: sys.collector.pid,
        self: true,
        descendants: false,
      });
      for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
        const fn = FUNCTIONS[key];
        suts[key] = counting(
          asyncfnSut(sys, { functionName: fn, tracked: key !== 'taskoff', storage, onRestart: retrack }),
          fn,
          accepted,
        );
      }
    }
    await retrack();

    return {
      opts,
      remainingMs,
      fits(phase, needMs) {
        if (remainingMs() >= needMs) return true;
        skipped.push(phase);
        console.log(`  ${phase}: skipped (time budget)`);
        return false;
      },
      skipped,
      namespace,
      natsUrl,
      mongoUrl,
      meter,
      ...(asyncfn ? { asyncfn } : {}),
      suts,
      accepted,
      ...(redis ? { redis } : {}),
      async measured(label, work) {
        // Servers may have been restarted by someone else since: read their pids afresh.
        await retrack();
        const opsBefore = await readOpCounters(namespace);
        const window = await meter.begin();
        const t = monoMs();
        let ended: Promise<ResourceWindow> | undefined;
        const endWindow = () => (ended ??= meter.end(window));
        const figures = await work(async () => void (await endWindow()));
        const resources = await endWindow();
        // After the phase's work is done (completions seen), before anything reads the results back.
        const ops = countersDelta(opsBefore, await readOpCounters(namespace));
        const at = ((monoMs() - startedMono) / 1000).toFixed(0);
        console.log(`  [${at} s] ${label}: ${((monoMs() - t) / 1000).toFixed(1)} s`);
        return { figures, resources, ops };
      },
      retrack,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A few tasks through a system before measuring: instances started, connections open, JIT warm. */
export async function warmUp(
  sut: SystemUnderTest,
  idPrefix: string,
  tasks: number,
  bytes: number,
  timeoutMs = 30_000,
): Promise<void> {
  const payloadOf = payloadsOf(bytes, idPrefix);
  const watch = watchCompletions(sut.sources(), idPrefix);
  await closedLoop({
    clients: 8,
    durationMs: timeoutMs,
    maxRequests: tasks,
    send: async (i, due) => {
      const id = `${idPrefix}${i}`;
      const payload = payloadOf(i, false);
      watch.expect(id, due, payload);
      try {
        await sut.submit(id, payload);
      } catch (err) {
        watch.forget(id);
        throw err;
      }
    },
  });
  await watch.finish(monoMs() + timeoutMs);
}
