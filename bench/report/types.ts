import type { OpCounters } from '../lib/op-counters.js';
import type { ResourceWindow } from '../lib/resources.js';
import type { Spread } from '../lib/stats.js';
import type { DrainFigures, SourceFigures, StepFigures, SubmitFigures } from '../lib/workloads.js';

/** The shape of bench/results/latest.json. */

export type SystemName = 'asyncfn' | 'asyncfn-taskoff' | 'jetstream' | 'bullmq' | 'pgboss';

/** Each system's primary completion source: where its latency and completion rate come from. */
export const PRIMARY_SOURCE: Record<SystemName, string> = {
  asyncfn: 'readModel',
  'asyncfn-taskoff': 'collector',
  jetstream: 'consumer',
  bullmq: 'consumer',
  pgboss: 'consumer',
};

export interface Measured<T> {
  figures: T;
  resources: ResourceWindow;
  /** Operations the servers counted over the phase (see lib/op-counters.ts). */
  ops?: OpCounters;
}

export interface SubmitPhase {
  submit: SubmitFigures;
  bySource: Record<string, SourceFigures>;
}

export interface SystemRun {
  submit?: Measured<SubmitPhase>;
  /** The submit burst with everything behind the intake stopped (asyncfn only). */
  submitAlone?: Measured<SubmitPhase>;
  steps?: Measured<StepFigures>[];
  drain?: Measured<DrainFigures>;
}

export interface Correctness {
  /** Tasks answered 202. */
  accepted: number;
  /** Task documents by status. */
  byStatus: Record<string, number>;
  /** Accepted tasks without a document. */
  missingDocs: number;
  /** Tasks with more than one terminal event in their history. */
  multipleTerminal: number;
  /** Documents in a terminal status other than Succeeded. */
  terminalNotSucceeded: number;
  /** Documents not yet terminal when the check gave up waiting (the projection lagging?). */
  nonTerminal: number;
  /** More documents than tasks answered 202 (a submission whose answer was lost). */
  extraDocs: number;
  /**
   * ok: all accepted tasks Succeeded, once. incomplete: nothing wrong seen, but some tasks were
   * not terminal yet when the check stopped waiting. violated: a task missing, terminal twice,
   * or ended other than Succeeded.
   */
  verdict: 'ok' | 'incomplete' | 'violated';
  ok: boolean;
}

export interface RetriesRun {
  step: Measured<StepFigures>;
  planned: number;
  /** Tasks with alreadyRetriedTimes ≥ 1 in the read model. */
  retried: number;
  correctness: Correctness;
}

export interface TaskOffRun {
  steps: Measured<StepFigures>[];
  /** Task documents found for the untracked function: > 0 means task mode off still tracks. */
  docsFound: number;
}

export interface RunResult {
  index: number;
  startedAt: string;
  seconds: number;
  systems: Partial<Record<SystemName, SystemRun>>;
  e2eCorrectness?: Correctness;
  retries?: RetriesRun;
  taskOff?: TaskOffRun;
  /** asyncfn ÷ peer, computed within this run. */
  ratios: Record<string, number>;
}

export interface CurvePoint {
  offeredPerSec: number;
  runs: number;
  p50: Spread;
  p95: Spread;
  p99: Spread;
  completedPerSec: Spread;
  /** CPU of the system (all but the load generator) per completed task, ms. */
  cpuMsPerTask: Spread;
  saturatedRuns: number;
}

export interface ProcessSpread {
  group: string;
  cpuCores: Spread;
  peakRssMb: Spread;
}

export interface PhaseResources {
  machineBusyCores: Spread;
  othersCores: Spread;
  processes: Record<string, ProcessSpread>;
}

export interface Summary {
  /** "system.figure" → median (min–max) over runs. */
  figures: Record<string, Spread>;
  ratios: Record<string, Spread>;
  /** system → source → latency and completion rate per offered load. */
  curves: Record<string, Record<string, CurvePoint[]>>;
  resources: Record<string, PhaseResources>;
  /** Which processes were busiest where asyncfn was pushed hardest. */
  limits: Array<{
    phase: string;
    machineBusyCores: number;
    top: Array<{ process: string; cpuCores: number }>;
    note: string;
  }>;
}

export interface BenchResults {
  meta: {
    startedAt: string;
    finishedAt: string;
    seconds: number;
    quick: boolean;
    runsPlanned: number;
    runsCompleted: number;
    secondaryRuns: number;
    note: string[];
    options: Record<string, unknown>;
    machine: { cpus: number; memoryGiB: number; node: string; kernel: string; loadAvgAtStart: number[] };
    versions: Record<string, string>;
    namespace: string;
    /** Where asyncfn kept its tasks (ASYNCFN_TASK_STORE); absent in runs before it could choose. */
    taskStore?: string;
  };
  summary: Summary;
  correctness?: { byFunction: Record<string, Correctness>; ok: boolean };
  runs: RunResult[];
}
