import { FUNCTIONS, warmUp, type BenchContext } from './context.js';
import { checkCorrectness } from './asyncfn/correctness.js';
import type { SystemUnderTest } from './lib/system-under-test.js';
import { drainWorkload, stepWorkload, submitWorkload, type StepFigures } from './lib/workloads.js';
import { runRatios } from './report/aggregate.js';
import type { Measured, RunResult, SystemName, SystemRun } from './report/types.js';

/*
 * One run: every workload once, asyncfn and its peers back to back on the same machine, so that
 * ratios inside a run compare like with like. Each phase is measured for CPU and memory. A phase
 * that would not fit in the time budget is skipped (and said so); waits are cut to fit.
 */

const WARMUP_PER_RUN = 10;
const PEERS = ['jetstream', 'bullmq', 'pgboss'] as const;

/**
 * The offered loads of a stepped workload: the given rates, then doubling on until the system
 * saturates (the caller stops there) or `maxRate`: every system is measured up to its own capacity.
 */
export function ladder(rates: number[], maxRate: number): number[] {
  const out = [...rates];
  let last = out[out.length - 1] ?? 50;
  while (last * 2 <= maxRate) out.push((last *= 2));
  return out;
}

/** Time allowed for a phase's work to finish after its load stopped. */
function drainTimeoutMs(ctx: BenchContext): number {
  const wanted = ctx.opts.quick ? 15_000 : Math.max(30_000, 6 * ctx.opts.stepMs);
  return Math.max(5_000, Math.min(wanted, ctx.remainingMs()));
}

/** How long a run's own check waits for stragglers (the bench's final check waits again). */
function correctnessWaitMs(ctx: BenchContext): number {
  return Math.min(ctx.opts.quick ? 3_000 : 10_000, ctx.remainingMs());
}

const QUIET_TIMEOUT_MS = 30_000;
/** How long the API-alone phase waits for the services to work off its burst (tens of seconds). */
const BACKLOG_SETTLE_MS = 180_000;

/**
 * Each phase starts on a quiet system: the work a previous phase left (a backlog the submit burst
 * built, events the status service has yet to record) would otherwise be measured as this one's.
 */
async function quiet(ctx: BenchContext, sut: SystemUnderTest): Promise<void> {
  await sut.settle(Math.min(QUIET_TIMEOUT_MS, ctx.remainingMs()));
}

/** A step's load plus a short wait for its tail: what must be left to start one. */
function stepNeedMs(ctx: BenchContext): number {
  return ctx.opts.stepMs + 5_000;
}

function report(label: string, s: StepFigures): void {
  const parts = Object.entries(s.bySource).map(
    ([name, f]) =>
      `${name} ${Math.round(f.perSec)}/s p50 ${f.latencyMs.p50.toFixed(1)} p99 ${f.latencyMs.p99.toFixed(1)} ms${f.missing ? ` missing ${f.missing}` : ''}`,
  );
  console.log(
    `    ${label} ${s.offeredPerSec}/s: accepted ${s.submit.accepted}/${s.submit.sent}, ${parts.join('; ')}, all recorded ${s.recordedAfterS} s after the load${s.saturated ? ' [saturated]' : ''}`,
  );
}

async function steps(
  ctx: BenchContext,
  label: string,
  sut: SystemUnderTest,
  idPrefix: string,
  rates: number[],
  stopAtSaturation: boolean,
  failEvery?: number,
): Promise<Measured<StepFigures>[]> {
  const out: Measured<StepFigures>[] = [];
  for (const rate of rates) {
    if (!ctx.fits(`${label} at ${rate}/s`, stepNeedMs(ctx))) break;
    await quiet(ctx, sut);
    const m = await ctx.measured(`${label} at ${rate}/s`, (loadEnded) =>
      stepWorkload({
        sut,
        loadEnded,
        idPrefix: `${idPrefix}${rate}-`,
        payloadBytes: ctx.opts.payloadBytes,
        ...(failEvery ? { failEvery } : {}),
        rate,
        durationMs: ctx.opts.stepMs,
        // Open loop: enough in flight that the client never throttles the offered load.
        maxInFlight: 2_048,
        drainTimeoutMs: drainTimeoutMs(ctx),
        // The read model's visibility lag is measured at the lowest load only: polling it during
        // every step would load the database whose throughput is being measured.
        readModelLive: rate === rates[0],
      }),
    );
    out.push(m);
    report(label, m.figures);
    if (stopAtSaturation && m.figures.saturated) break;
  }
  return out;
}

async function submitPhase(ctx: BenchContext, label: string, sut: SystemUnderTest, idPrefix: string) {
  if (!ctx.fits(`${label} submit`, ctx.opts.submitMs + 5_000)) return undefined;
  await quiet(ctx, sut);
  return measureSubmit(ctx, `${label} submit`, sut, idPrefix, { drainTimeoutMs: drainTimeoutMs(ctx) });
}

/**
 * The API alone: the submit burst with the services behind the ingress stopped, so accepting has
 * the machine to itself (what the ingress and JetStream can take in; in the submit phase the same
 * two cores also run the tasks). They start again as the load ends, and the phase ends once they
 * have worked off what it accepted.
 */
async function intakeAlonePhase(ctx: BenchContext, sut: SystemUnderTest, idPrefix: string) {
  const label = 'asyncfn submit, API alone';
  if (!sut.isolateIntake || !ctx.fits(label, ctx.opts.submitMs + 30_000)) return undefined;
  await quiet(ctx, sut);
  const resume = await sut.isolateIntake();
  const restart = once(() => resume(Math.min(BACKLOG_SETTLE_MS, ctx.remainingMs())));
  try {
    // Accepting is what is measured: no wait for completions (restart() waits for the tasks to run).
    return await measureSubmit(ctx, label, sut, idPrefix, { drainTimeoutMs: 0, afterLoad: restart });
  } finally {
    await restart();
  }
}

/** One closed-loop submit burst, measured and logged; `afterLoad` runs once the load has ended. */
async function measureSubmit(
  ctx: BenchContext,
  label: string,
  sut: SystemUnderTest,
  idPrefix: string,
  options: { drainTimeoutMs: number; afterLoad?: () => Promise<void> },
) {
  const m = await ctx.measured(label, (loadEnded) =>
    submitWorkload({
      sut,
      loadEnded: async () => {
        await loadEnded();
        await options.afterLoad?.();
      },
      idPrefix,
      payloadBytes: ctx.opts.payloadBytes,
      clients: ctx.opts.clients,
      durationMs: ctx.opts.submitMs,
      drainTimeoutMs: options.drainTimeoutMs,
    }),
  );
  const s = m.figures.submit;
  console.log(
    `    ${label}: ${Math.round(s.perSec)}/s accepted (${s.accepted}/${s.sent}), p50 ${s.acceptMs.p50.toFixed(1)} p99 ${s.acceptMs.p99.toFixed(1)} ms`,
  );
  return m;
}

/** The first call runs `fn`; later calls share its result. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

async function drainPhase(ctx: BenchContext, label: string, sut: SystemUnderTest, idPrefix: string) {
  const { quick, backlogTasks } = ctx.opts;
  if (!ctx.fits(`${label} backlog drain`, quick ? 25_000 : 60_000)) return undefined;
  // Quick: at most an eighth of what is left for building the backlog, the same again to settle.
  const share = (full: number) => Math.max(5_000, Math.min(full, quick ? ctx.remainingMs() / 8 : full));
  const m = await ctx.measured(`${label} drain of up to ${backlogTasks}`, () =>
    drainWorkload({
      sut,
      idPrefix,
      payloadBytes: ctx.opts.payloadBytes,
      tasks: backlogTasks,
      clients: ctx.opts.clients,
      submitMaxMs: share(30 * 60_000),
      settleTimeoutMs: share(120_000),
      drainTimeoutMs: Math.max(10_000, Math.min(Math.max(60_000, backlogTasks * 20), ctx.remainingMs())),
    }),
  );
  const first = Object.entries(m.figures.bySource)[0];
  console.log(
    `    ${label} drain of ${m.figures.tasks}: ${first ? `${Math.round(first[1].perSec)}/s (${first[0]}), missing ${first[1].missing}` : '-'}; submitted at ${Math.round(m.figures.submit.perSec)}/s`,
  );
  return m;
}

export async function runOnce(ctx: BenchContext, index: number): Promise<RunResult> {
  const started = Date.now();
  const { opts, suts } = ctx;
  const has = (w: string) => opts.workloads.includes(w as never);
  const secondary = index <= opts.secondaryRuns;
  const run: RunResult = {
    index,
    startedAt: new Date(started).toISOString(),
    seconds: 0,
    systems: {},
    ratios: {},
  };
  const sys = (name: SystemName): SystemRun => (run.systems[name] ??= {});
  const tag = `r${index}-`;
  // Function instances idle out between runs (60 s): a few tasks start them again. Run 1 follows
  // the bench's own warm-up.
  const warm = async (sut: SystemUnderTest, prefix: string) => {
    if (index === 1) return;
    await warmUp(
      sut,
      `${prefix}-w${index}-`,
      WARMUP_PER_RUN,
      opts.payloadBytes,
      Math.min(30_000, ctx.remainingMs() / 10),
    );
  };
  console.log(`run ${index}${secondary ? '' : ' (key workloads only)'}`);

  // asyncfn: accept rate, then the stepped end-to-end load until it saturates.
  if (has('submit') && suts.submit) {
    await warm(suts.submit, FUNCTIONS.submit);
    const m = await submitPhase(ctx, 'asyncfn', suts.submit, `${FUNCTIONS.submit}-${tag}`);
    if (m) sys('asyncfn').submit = m;
    if (secondary) {
      const alone = await intakeAlonePhase(ctx, suts.submit, `${FUNCTIONS.submit}-${tag}alone-`);
      if (alone) sys('asyncfn').submitAlone = alone;
    }
  }
  // Retries are measured at the highest load asyncfn kept up with in this run (else the lowest).
  let retryRate = opts.rates[0] ?? 50;
  if (has('e2e') && suts.e2e && ctx.asyncfn) {
    await warm(suts.e2e, FUNCTIONS.e2e);
    const prefix = `${FUNCTIONS.e2e}-${tag}`;
    const acceptedBefore = ctx.accepted.get(FUNCTIONS.e2e) ?? 0;
    const e2e = await steps(ctx, 'asyncfn', suts.e2e, prefix, ladder(opts.rates, opts.maxRate), true);
    if (e2e.length > 0) {
      sys('asyncfn').steps = e2e;
      retryRate = Math.max(
        retryRate,
        ...e2e.filter((s) => !s.figures.saturated).map((s) => s.figures.offeredPerSec),
      );
      run.e2eCorrectness = await checkCorrectness(
        ctx.asyncfn.readModel,
        FUNCTIONS.e2e,
        prefix,
        (ctx.accepted.get(FUNCTIONS.e2e) ?? 0) - acceptedBefore,
        correctnessWaitMs(ctx),
      );
      const c = run.e2eCorrectness;
      console.log(`    asyncfn correctness: ${c.verdict} ${JSON.stringify(c.byStatus)}`);
    }
  }
  // The peers at the same offered loads and on to their own saturation, before the secondary
  // workloads: under a tight budget the key figures of every system come first.
  for (const peer of PEERS) {
    const sut = suts[peer];
    if (!has(peer) || !sut) continue;
    await warm(sut, peer);
    const submit = await submitPhase(ctx, peer, sut, `${peer}-${tag}sub-`);
    if (submit) sys(peer).submit = submit;
    const peerSteps = await steps(ctx, peer, sut, `${peer}-${tag}`, ladder(opts.rates, opts.maxRate), true);
    if (peerSteps.length > 0) sys(peer).steps = peerSteps;
  }

  if (secondary && has('taskoff') && suts.taskoff && ctx.asyncfn) {
    await warm(suts.taskoff, FUNCTIONS.taskoff);
    const prefix = `${FUNCTIONS.taskoff}-${tag}`;
    // Up to its own saturation: what tracking costs shows in capacity too, not only in latency.
    const off = await steps(
      ctx,
      'task mode off',
      suts.taskoff,
      prefix,
      ladder(opts.rates, opts.maxRate),
      true,
    );
    if (off.length > 0) {
      sys('asyncfn-taskoff').steps = off;
      run.taskOff = {
        steps: off,
        docsFound: await ctx.asyncfn.readModel.countDocs(FUNCTIONS.taskoff, prefix),
      };
      console.log(`    task mode off: ${run.taskOff.docsFound} task documents written`);
    }
  }
  if (secondary && has('retries') && suts.retries && ctx.asyncfn) {
    await warm(suts.retries, FUNCTIONS.retries);
    const prefix = `${FUNCTIONS.retries}-${tag}`;
    const before = ctx.accepted.get(FUNCTIONS.retries) ?? 0;
    const every = opts.retryFailEvery;
    const [step] = await steps(ctx, 'asyncfn retries', suts.retries, prefix, [retryRate], false, every);
    if (step) {
      const accepted = (ctx.accepted.get(FUNCTIONS.retries) ?? 0) - before;
      const correctness = await checkCorrectness(
        ctx.asyncfn.readModel,
        FUNCTIONS.retries,
        prefix,
        accepted,
        correctnessWaitMs(ctx),
      );
      run.retries = {
        step,
        planned: Math.ceil(step.figures.submit.sent / every),
        retried: await ctx.asyncfn.readModel.countRetried(FUNCTIONS.retries, prefix),
        correctness,
      };
      console.log(
        `    retries: ${run.retries.retried} retried of ${run.retries.planned} planned; ${correctness.verdict}`,
      );
    }
  }

  if (secondary && has('backlog')) {
    for (const peer of PEERS) {
      const sut = suts[peer];
      if (!has(peer) || !sut) continue;
      const drain = await drainPhase(ctx, peer, sut, `${peer}-${tag}drain-`);
      if (drain) sys(peer).drain = drain;
    }
  }

  if (secondary && has('backlog') && suts.backlog) {
    await warm(suts.backlog, FUNCTIONS.backlog);
    const drain = await drainPhase(ctx, 'asyncfn', suts.backlog, `${FUNCTIONS.backlog}-${tag}`);
    if (drain) sys('asyncfn').drain = drain;
  }

  run.seconds = (Date.now() - started) / 1000;
  run.ratios = runRatios(run);
  return run;
}
