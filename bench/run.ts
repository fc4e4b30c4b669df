import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSetting } from '@asyncfn/config';
import { CACHE, ROOT } from '../scripts/stack.js';
import { checkCorrectness } from './asyncfn/correctness.js';
import { FUNCTIONS, openContext, warmUp, type BenchContext } from './context.js';
import { monoMs } from './lib/clock.js';
import { parseOptions } from './lib/options.js';
import { runOnce } from './run-once.js';
import { summarizeRuns } from './report/aggregate.js';
import type { BenchResults, Correctness, RunResult } from './report/types.js';
import { writeResults } from './report/write.js';

/*
 * npm run bench [-- --quick]: asyncfn (five services on real servers) against raw JetStream and
 * BullMQ on the same machine, several runs, results in bench/results/. A measurement, not a test:
 * it fails only when it cannot measure.
 */

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));

function version(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 })
      .trim()
      .split('\n')[0]!;
  } catch {
    return 'unknown';
  }
}

function packageVersion(name: string): string {
  try {
    const file = join(ROOT, 'node_modules', name, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function versions(ctx: BenchContext): Record<string, string> {
  const bin = join(CACHE, 'bin');
  const pg = join(CACHE, 'data', 'postgres', 'PG_VERSION');
  return {
    node: process.version,
    'nats-server': existsSync(join(bin, 'nats-server'))
      ? version(join(bin, 'nats-server'), ['--version'])
      : 'unknown',
    ferretdb: existsSync(join(bin, 'ferretdb'))
      ? version(join(bin, 'ferretdb'), ['--version']).replace(/^version:\s*/, '')
      : 'unknown',
    postgresql: existsSync(pg) ? readFileSync(pg, 'utf8').trim() : 'none',
    redis: ctx.redis?.version ?? 'not run',
    bullmq: packageVersion('bullmq'),
    '@nats-io/jetstream': packageVersion('@nats-io/jetstream'),
    undici: packageVersion('undici'),
    mongodb: packageVersion('mongodb'),
  };
}

async function finalCorrectness(ctx: BenchContext): Promise<BenchResults['correctness']> {
  if (!ctx.asyncfn) return undefined;
  const byFunction: Record<string, Correctness> = {};
  for (const fn of [FUNCTIONS.submit, FUNCTIONS.e2e, FUNCTIONS.retries, FUNCTIONS.backlog]) {
    const accepted = ctx.accepted.get(fn) ?? 0;
    if (accepted === 0) continue;
    // Stragglers get a bounded wait: a minute, or what the quick budget's reserve allows.
    const wait = ctx.opts.quick ? 8_000 : 60_000;
    byFunction[fn] = await checkCorrectness(ctx.asyncfn.readModel, fn, `${fn}-`, accepted, wait);
  }
  return { byFunction, ok: Object.values(byFunction).every((c) => c.ok) };
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2), join(BENCH_DIR, 'results'));
  const startedAt = new Date();
  const t0 = monoMs();
  console.log(
    `asyncfn bench${opts.quick ? ' (quick)' : ''}: ${opts.runs} runs, rates ${opts.rates.join('/')}/s, ` +
      `${opts.stepMs / 1000} s steps, backlog ${opts.backlogTasks}, workloads ${opts.workloads.join(',')}`,
  );
  const loadAtStart = loadavg();
  const ctx = await openContext(opts, t0);
  let interrupted = false;
  const onSignal = (signal: string) => {
    if (interrupted) return;
    interrupted = true;
    console.warn(`${signal}: stopping everything the bench started ...`);
    void ctx.close().finally(() => process.exit(130));
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  // Every wait is bounded; this is the backstop should one not be (a server hanging, say). Quick:
  // the final check reads every task the runs made (tens of thousands when a fast machine steps
  // far), so it gets 90 s past the budget, still inside quick's 10 minutes.
  const watchdog = setTimeout(
    () => onSignal('watchdog: over the time budget'),
    opts.budgetMs + (opts.quick ? 90_000 : 1_800_000),
  );
  watchdog.unref();

  const runs: RunResult[] = [];
  const notes: string[] = [];
  try {
    const at = () => `[${((monoMs() - t0) / 1000).toFixed(0)} s]`;
    console.log(`${at()} everything started; warming up ...`);
    // All at once: the functions are independent, and a slow machine must not spend its budget here.
    await Promise.all(
      Object.entries(ctx.suts).map(([key, sut]) =>
        warmUp(
          sut,
          `${FUNCTIONS[key as keyof typeof FUNCTIONS] ?? key}-warm-`,
          opts.warmupTasks,
          opts.payloadBytes,
          Math.min(30_000, ctx.remainingMs() / 6),
        ),
      ),
    );
    let lastRunMs = 0;
    for (let i = 1; i <= opts.runs && !interrupted; i++) {
      // Run 1 does everything; a later run is started only if one as long as the last still fits.
      if (i > 1 && ctx.remainingMs() < Math.max(20_000, lastRunMs)) break;
      process.stdout.write(`${at()} `);
      const runStarted = monoMs();
      runs.push(await runOnce(ctx, i));
      lastRunMs = monoMs() - runStarted;
    }
    if (runs.length < opts.runs) {
      notes.push(
        `Time budget (${opts.budgetMs / 1000} s) reached: ${runs.length} of ${opts.runs} runs done${runs.length === 1 ? ' — figures are from 1 run, not medians' : ''}.`,
      );
    }
    if (ctx.skipped.length > 0) notes.push(`Skipped for lack of time: ${ctx.skipped.join('; ')}.`);
    if (opts.secondaryRuns < runs.length) {
      notes.push(
        `Task mode off, retries and backlog drain ran in ${Math.min(opts.secondaryRuns, runs.length)} of ${runs.length} runs (single values).`,
      );
    }
    console.log('checking correctness ...');
    const correctness = await finalCorrectness(ctx);
    const summary = summarizeRuns(runs);
    const results: BenchResults = {
      meta: {
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        seconds: (monoMs() - t0) / 1000,
        quick: opts.quick,
        runsPlanned: opts.runs,
        runsCompleted: runs.length,
        secondaryRuns: Math.min(opts.secondaryRuns, runs.length),
        note: notes,
        options: { ...opts },
        machine: {
          cpus: cpus().length,
          memoryGiB: Math.round(totalmem() / 2 ** 30),
          node: process.version,
          kernel: release(),
          loadAvgAtStart: loadAtStart.map((l) => Math.round(l * 100) / 100),
        },
        versions: versions(ctx),
        namespace: ctx.namespace,
        taskStore: readSetting('ASYNCFN_TASK_STORE'),
      },
      summary,
      ...(correctness ? { correctness } : {}),
      runs,
    };
    for (const file of writeResults(opts.outDir, results)) console.log(`wrote ${file}`);
    if (correctness && !correctness.ok) console.warn('correctness: NOT OK — see latest.md');
  } finally {
    if (!interrupted) await ctx.close();
  }
  console.log(`done in ${((monoMs() - t0) / 1000).toFixed(0)} s`);
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
