import { monoMs } from './clock.js';
import { watchCompletions, type Completion, type Observed } from './completions.js';
import { closedLoop, openLoop, type LoadResult } from './load.js';
import { payloadsOf } from './payload.js';
import { round, summarize, type LatencySummary } from './stats.js';
import type { SystemUnderTest } from './system-under-test.js';

/** How often a step or a drain checks that everything is run and recorded (cheap: consumer info). */
const SETTLE_POLL_MS = 50;

/*
 * The workloads, written once for asyncfn and its peers: closed-loop submission (accept rate and
 * latency), open-loop steps at fixed offered rates (completion rate and submit→done latency), and
 * the drain of a backlog built while the consumers were stopped.
 */

export interface SourceFigures {
  completed: number;
  missing: number;
  /** Completions per second, first to last completion. */
  perSec: number;
  /** From submission (due time) to the source's completion timestamp. */
  latencyMs: LatencySummary;
  /** From submission to when the bench saw it (read model: includes the poll interval). */
  seenLatencyMs: LatencySummary;
  /** Final statuses other than Succeeded, by status. */
  notSucceeded: Record<string, number>;
}

export interface SubmitFigures {
  sent: number;
  accepted: number;
  failures: number;
  errors: Record<string, number>;
  /** Accepted per second over the submission window. */
  perSec: number;
  /** Answer latency (request sent → 202 / broker ack). */
  acceptMs: LatencySummary;
}

export interface StepFigures {
  offeredPerSec: number;
  durationS: number;
  submit: SubmitFigures;
  /** Largest delay of a send behind its schedule (client back-pressure). */
  maxLagMs: number;
  bySource: Record<string, SourceFigures>;
  /** asyncfn: from the function's end (collector) to the task seen Succeeded in the read model. */
  readModelLagMs?: LatencySummary;
  /**
   * Seconds from the end of the offered load to everything run and recorded (asyncfn: the run
   * queue empty and the status service caught up; 0 for peers, whose completion is the record).
   */
  recordedAfterS: number;
  saturated: boolean;
}

export interface DrainFigures {
  /** Tasks in the backlog (accepted while the consumers were stopped). */
  tasks: number;
  submit: SubmitFigures;
  /** Seconds from resuming the consumers to the last completion. */
  fromResumeS: number;
  /**
   * Seconds from the last task's run (a collector) to everything recorded (the system's
   * bookkeeping caught up): the read model's rate counts up to then. 0 for peers.
   */
  recordedAfterS?: number;
  bySource: Record<string, SourceFigures>;
}

function submitFigures(load: LoadResult, windowMs: number): SubmitFigures {
  const accepted = load.sent.filter((s) => s.ok);
  return {
    sent: load.sent.length,
    accepted: accepted.length,
    failures: load.failures,
    errors: load.errors,
    perSec: round(accepted.length / Math.max(1e-3, windowMs / 1000)),
    acceptMs: summarize(accepted.map((s) => s.doneMs - s.sentMs)),
  };
}

function sourceFigures(
  completions: Map<string, Completion>,
  missing: number,
  due: Map<string, number>,
  /** The work is not done before this moment (monotonic ms), whatever the completions say. */
  doneNotBeforeMs = Number.NEGATIVE_INFINITY,
): SourceFigures {
  const list = [...completions.values()];
  let first = Number.POSITIVE_INFINITY;
  let last = doneNotBeforeMs;
  const notSucceeded: Record<string, number> = {};
  const latency: number[] = [];
  const seen: number[] = [];
  for (const c of list) {
    first = Math.min(first, c.atMs);
    last = Math.max(last, c.atMs);
    if (c.status !== 'Succeeded') notSucceeded[c.status] = (notSucceeded[c.status] ?? 0) + 1;
    const d = due.get(c.id);
    if (d === undefined) continue;
    latency.push(c.atMs - d);
    seen.push(c.seenMs - d);
  }
  return {
    completed: list.length,
    missing,
    perSec: list.length > 1 ? round(list.length / Math.max(1e-3, (last - first) / 1000)) : 0,
    latencyMs: summarize(latency),
    seenLatencyMs: summarize(seen),
    notSucceeded,
  };
}

/**
 * Where a read model and a collector both watched: per task, how long after the function finished
 * a reader could see it (the read model's "seen" time includes up to one poll interval).
 */
function readModelLag(observed: Observed): { readModelLagMs?: LatencySummary } {
  const rm = observed.bySource.readModel;
  const col = observed.bySource.collector;
  if (!rm || !col) return {};
  const lags: number[] = [];
  for (const [id, c] of rm) {
    const done = col.get(id);
    if (done) lags.push(c.seenMs - done.atMs);
  }
  return { readModelLagMs: summarize(lags) };
}

/** `recorded`: the sources (a read model) whose tasks are not done before `recorded.atMs`. */
function figuresBySource(
  observed: Observed,
  due: Map<string, number>,
  recorded?: { atMs: number; sources: ReadonlySet<string> },
): Record<string, SourceFigures> {
  return Object.fromEntries(
    Object.entries(observed.bySource).map(([name, m]) => [
      name,
      sourceFigures(
        m,
        observed.missing[name] ?? 0,
        due,
        recorded?.sources.has(name) ? recorded.atMs : undefined,
      ),
    ]),
  );
}

interface Submitter {
  sut: SystemUnderTest;
  /** Task ids are the prefix and a counter; the prefix also tags the phase's payloads. */
  idPrefix: string;
  payloadBytes: number;
  /** Every n-th task (the first included) fails its first attempt; none when absent. */
  failEvery?: number;
  /**
   * Called when the offered load ends, before the results are read back: the phase's CPU window
   * closes there, so reading the read model (which loads the database) is not counted as the load's.
   */
  loadEnded?: () => Promise<void>;
}

/**
 * The phase's submit function and its completion watch: each submission registers its id with
 * the watch before it is sent, and withdraws it if the system refuses it.
 */
function prepare(s: Submitter, pollMs?: number, pollDuringLoad: 'all' | 'light' | 'none' = 'all') {
  const payloadOf = payloadsOf(s.payloadBytes, s.idPrefix);
  const every = s.failEvery;
  const watch = watchCompletions(s.sut.sources(), s.idPrefix, pollMs, pollDuringLoad);
  const due = new Map<string, number>();
  const send = async (index: number, dueMs: number) => {
    const id = `${s.idPrefix}${index}`;
    const payload = payloadOf(index, every !== undefined && index % every === 0);
    due.set(id, dueMs);
    watch.expect(id, dueMs, payload);
    try {
      await s.sut.submit(id, payload);
    } catch (err) {
      due.delete(id);
      watch.forget(id);
      throw err;
    }
  };
  return { watch, due, send };
}

/**
 * Closed loop: `clients` concurrent submitters for `durationMs`; then waits for the work to finish.
 * Completions are read only after the load (reading asyncfn's read model during it would load the
 * database whose writes are being measured).
 */
export async function submitWorkload(
  s: Submitter & { clients: number; durationMs: number; drainTimeoutMs: number },
): Promise<{ submit: SubmitFigures; bySource: Record<string, SourceFigures> }> {
  const { watch, due, send } = prepare(s, undefined, 'none');
  const load = await closedLoop({
    clients: s.clients,
    durationMs: s.durationMs,
    send,
  });
  const submit = submitFigures(load, load.endMs - load.startMs);
  await s.loadEnded?.();
  const observed = await watch.finish(monoMs() + s.drainTimeoutMs);
  return { submit, bySource: figuresBySource(observed, due) };
}

/**
 * Falling behind shows as a queue that grows during the step: the tasks sent last wait longer
 * than those sent first. (A completion rate compared with the offered rate cannot tell on short
 * steps: latency jitter alone stretches the first-to-last completion window.)
 */
function queueGrew(completions: Map<string, Completion> | undefined, due: Map<string, number>): boolean {
  if (!completions) return true;
  const byDue = [...due.entries()].sort((a, b) => a[1] - b[1]);
  const quarter = Math.max(1, Math.floor(byDue.length / 4));
  const medianLatency = (part: Array<[string, number]>) => {
    const lat = part.flatMap(([id, d]) => {
      const c = completions.get(id);
      return c ? [c.atMs - d] : [];
    });
    return summarize(lat).p50;
  };
  const first = medianLatency(byDue.slice(0, quarter));
  const last = medianLatency(byDue.slice(-quarter));
  return last > 2 * first && last - first > 250;
}

/** Open loop at a fixed rate; saturated when it could not keep up (see queueGrew). */
export async function stepWorkload(
  s: Submitter & {
    rate: number;
    durationMs: number;
    maxInFlight: number;
    drainTimeoutMs: number;
    /** Poll asyncfn's read model during the step too (measures its visibility lag; loads it). */
    readModelLive: boolean;
  },
): Promise<StepFigures> {
  const { watch, due, send } = prepare(s, undefined, s.readModelLive ? 'all' : 'light');
  const load = await openLoop({ rate: s.rate, durationMs: s.durationMs, maxInFlight: s.maxInFlight, send });
  const submit = submitFigures(load, s.durationMs);
  const loadEndedAt = monoMs();
  const deadline = loadEndedAt + s.drainTimeoutMs;
  await s.loadEnded?.();
  await s.sut.settle(Math.max(0, deadline - monoMs()), { pollMs: SETTLE_POLL_MS, ran: true });
  const recordedAfterS = round((monoMs() - loadEndedAt) / 1000);
  const observed = await watch.finish(deadline);
  const bySource = figuresBySource(observed, due);
  const [primaryName, primary] = Object.entries(bySource)[0] ?? [];
  const saturated =
    !primary ||
    primary.missing > 0 ||
    submit.failures > 0.01 * submit.sent ||
    // The client could not even send on schedule (answers too slow for the requests in flight).
    load.maxLagMs > 1_000 ||
    // Work was still queued, or not yet recorded, a second after the load ended.
    recordedAfterS > 1 ||
    queueGrew(primaryName ? observed.bySource[primaryName] : undefined, due);
  return {
    offeredPerSec: s.rate,
    durationS: s.durationMs / 1000,
    submit,
    maxLagMs: round(load.maxLagMs),
    bySource,
    ...(s.readModelLive ? readModelLag(observed) : {}),
    recordedAfterS,
    saturated,
  };
}

/** `tasks` submitted while the consumers are stopped, then drained; rate first→last completion. */
export async function drainWorkload(
  s: Submitter & {
    tasks: number;
    clients: number;
    /** Submission stops here even if fewer than `tasks` were sent. */
    submitMaxMs: number;
    drainTimeoutMs: number;
    settleTimeoutMs: number;
  },
): Promise<DrainFigures> {
  await s.sut.pauseConsumers();
  const { watch, due, send } = prepare(s, 500, 'light');
  const load = await closedLoop({
    clients: s.clients,
    durationMs: s.submitMaxMs,
    maxRequests: s.tasks,
    send,
  });
  const submit = submitFigures(load, load.endMs - load.startMs);
  await s.sut.settle(s.settleTimeoutMs);
  const resumedAt = monoMs();
  await s.sut.resumeConsumers();
  const deadline = monoMs() + s.drainTimeoutMs;
  // A task is done once it is recorded: the drain ends when the consumers' queue is empty and the
  // system's bookkeeping has caught up (checked often). The read model is read only then, not
  // during the drain: its queries would load the database the drain writes to.
  await s.sut.settle(Math.max(0, deadline - monoMs()), { pollMs: SETTLE_POLL_MS, ran: true });
  const recordedAt = monoMs();
  const observed = await watch.finish(deadline);
  const records = new Set(
    s.sut
      .sources()
      .filter((source) => source.loadsSystem)
      .map((source) => source.name),
  );
  const bySource = figuresBySource(observed, due, { atMs: recordedAt, sources: records });
  let last = resumedAt;
  let lastRun = resumedAt;
  for (const [name, m] of Object.entries(observed.bySource))
    for (const c of m.values()) {
      last = Math.max(last, c.atMs);
      if (!records.has(name)) lastRun = Math.max(lastRun, c.atMs);
    }
  return {
    tasks: submit.accepted,
    submit,
    fromResumeS: round((Math.max(last, recordedAt) - resumedAt) / 1000),
    recordedAfterS: round(Math.max(0, recordedAt - lastRun) / 1000),
    bySource,
  };
}
