import { parseArgs } from 'node:util';
import type { ServerName } from './servers.js';

/*
 * What one bench run does. Two profiles: full (npm run bench) and quick (--quick: fewer tasks,
 * shorter steps, a time budget of about 3 minutes). Every number can be overridden on the
 * command line; the chosen values are written into the results.
 */

export const WORKLOADS = [
  'submit',
  'e2e',
  'taskoff',
  'retries',
  'jetstream',
  'bullmq',
  'pgboss',
  'backlog',
] as const;
export type Workload = (typeof WORKLOADS)[number];

export interface BenchOptions {
  quick: boolean;
  /** Runs of every workload; figures are medians over them (min–max beside). */
  runs: number;
  /** Runs that also do the secondary workloads (task mode off, retries, backlog drain). */
  secondaryRuns: number;
  /**
   * Time for the whole bench, start-up included: no phase starts that would not end in it, and
   * waits are cut to fit (quick keeps under 10 minutes however slow or fast the machine is).
   */
  budgetMs: number;
  payloadBytes: number;
  /** Concurrent clients of the submit workloads, and requests in flight at most in the steps. */
  clients: number;
  instanceConcurrency: number;
  submitMs: number;
  rates: number[];
  /** Steps double on past the given rates until a system saturates, up to this rate. */
  maxRate: number;
  stepMs: number;
  retryFailEvery: number;
  backlogTasks: number;
  warmupTasks: number;
  servers: ServerName[];
  workloads: Workload[];
  keepData: boolean;
  outDir: string;
  /**
   * Share of tasks traced (OpenTelemetry parent-based ratio sampler in every service). Tracing
   * every task costs ~20 % of asyncfn's CPU; production tracing samples, so the bench does too.
   */
  traceRatio: number;
}

const HELP = `npm run bench -- [options]
  --quick                 short run (< 10 min): 2 s steps from 50/s, backlog up to 2,000, time budget
  --runs N                runs of every workload (default 3)
  --secondary-runs N      runs that also do task mode off, retries and the backlog drain
                          (default: all runs; quick: 1)
  --rates 100,200,...     offered loads of the end-to-end steps, tasks/s; every system is then
                          stepped on, doubling, until it saturates (or --max-rate)
  --max-rate N            the highest offered load of any step (default 25600; quick 12800)
  --step-seconds S        length of each step
  --submit-seconds S      length of the submit workload
  --clients N             concurrent submitters (default 32)
  --backlog N             tasks of the backlog drain (default 100000; quick 2000, fewer if
                          submitting them would not fit the time budget)
  --workloads a,b         subset of: ${WORKLOADS.join(', ')}
  --servers a,b           local servers to ensure (default nats,mongo,jaeger)
  --budget-seconds S      time for the whole bench: phases that would not fit are skipped
                          (default: quick 480, full 21600)
  --trace-ratio R         share of tasks traced by the services, 0 < R <= 1 (default 0.01)
  --keep                  keep the namespace's database and streams afterwards
  --out DIR               results folder (default bench/results)`;

function list<T extends string>(raw: string | undefined, allowed: readonly T[], fallback: T[]): T[] {
  if (!raw) return fallback;
  const items = raw.split(',').map((s) => s.trim()) as T[];
  const bad = items.filter((i) => !allowed.includes(i));
  if (bad.length > 0) throw new Error(`unknown: ${bad.join(', ')} (allowed: ${allowed.join(', ')})`);
  return items;
}

function num(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`expected a positive number, got '${raw}'`);
  return n;
}

export function parseOptions(argv: string[], defaultOut: string): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      'secondary-runs': { type: 'string' },
      rates: { type: 'string' },
      'max-rate': { type: 'string' },
      'step-seconds': { type: 'string' },
      'submit-seconds': { type: 'string' },
      clients: { type: 'string' },
      backlog: { type: 'string' },
      workloads: { type: 'string' },
      servers: { type: 'string' },
      'budget-seconds': { type: 'string' },
      keep: { type: 'boolean', default: false },
      'trace-ratio': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const runs = Math.round(num(values.runs, 3));
  return {
    quick,
    runs,
    secondaryRuns: Math.round(num(values['secondary-runs'], quick ? 1 : runs)),
    budgetMs: num(values['budget-seconds'], quick ? 480 : 6 * 3600) * 1000,
    payloadBytes: 256,
    clients: Math.round(num(values.clients, 32)),
    instanceConcurrency: 50,
    submitMs: num(values['submit-seconds'], quick ? 2 : 10) * 1000,
    rates: values.rates
      ? values.rates.split(',').map((r) => num(r, 0))
      : // Starting below 100/s: on a busy 2-core machine asyncfn may not keep up with 100/s, and a
        // curve needs points before saturation.
        quick
        ? [50, 100, 200, 400]
        : [25, 50, 100, 200, 400],
    maxRate: num(values['max-rate'], quick ? 12_800 : 25_600),
    stepMs: num(values['step-seconds'], quick ? 2 : 10) * 1000,
    retryFailEvery: 10,
    backlogTasks: Math.round(num(values.backlog, quick ? 2_000 : 100_000)),
    // Enough to get the services' hot paths compiled (the first run was otherwise half as fast).
    warmupTasks: quick ? 120 : 1_000,
    servers: list<ServerName>(
      values.servers,
      ['nats', 'mongo', 'kafka', 'jaeger'],
      ['nats', 'mongo', 'jaeger'],
    ),
    workloads: list<Workload>(values.workloads, WORKLOADS, [...WORKLOADS]),
    keepData: values.keep ?? false,
    outDir: values.out ?? defaultOut,
    traceRatio: Math.min(1, num(values['trace-ratio'], 0.01)),
  };
}
