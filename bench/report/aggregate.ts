import { cpus } from 'node:os';
import { countersOf, type OpCounters } from '../lib/op-counters.js';
import type { ResourceWindow } from '../lib/resources.js';
import { ratio, round, spread } from '../lib/stats.js';
import type { StepFigures } from '../lib/workloads.js';
import {
  PRIMARY_SOURCE,
  type CurvePoint,
  type Measured,
  type PhaseResources,
  type RunResult,
  type Summary,
  type SystemName,
  type SystemRun,
} from './types.js';

/*
 * From runs to the summary: every figure as median (min–max) over the runs that measured it,
 * ratios computed inside each run first, latency curves per offered load, and CPU / peak RSS per
 * process and phase, with the busiest processes where asyncfn was pushed hardest.
 */

const SYSTEMS: SystemName[] = ['asyncfn', 'asyncfn-taskoff', 'jetstream', 'bullmq', 'pgboss'];
const PEERS: SystemName[] = ['jetstream', 'bullmq', 'pgboss'];

function primary(sys: SystemName, step: StepFigures) {
  return step.bySource[PRIMARY_SOURCE[sys]];
}

/** The figures of one system in one run, flat: the unit that gets medians and ratios. */
export function runFigures(sys: SystemName, r: SystemRun): Record<string, number> {
  const f: Record<string, number> = {};
  const src = PRIMARY_SOURCE[sys];
  if (r.submit) {
    const s = r.submit.figures;
    f['submit.perSec'] = s.submit.perSec;
    f['submit.acceptP50'] = s.submit.acceptMs.p50;
    f['submit.acceptP95'] = s.submit.acceptMs.p95;
    f['submit.acceptP99'] = s.submit.acceptMs.p99;
    f['submit.failures'] = s.submit.failures;
    const c = s.bySource[src];
    if (c) f['submit.completedPerSec'] = c.perSec;
  }
  if (r.submitAlone) {
    const s = r.submitAlone.figures.submit;
    f['submitAlone.perSec'] = s.perSec;
    f['submitAlone.acceptP50'] = s.acceptMs.p50;
    f['submitAlone.acceptP99'] = s.acceptMs.p99;
  }
  if (r.steps && r.steps.length > 0) {
    let max = 0;
    let sustained = 0;
    for (const measured of r.steps) {
      const step = measured.figures;
      const p = primary(sys, step);
      if (!p) continue;
      const cpu = cpuMsPerTask(measured, src);
      if (Number.isFinite(cpu)) f[`cpuMsPerTask@${step.offeredPerSec}`] = round(cpu);
      perTaskOps(f, sys, measured.ops, p.completed, `@${step.offeredPerSec}`);
      max = Math.max(max, p.perSec);
      if (!step.saturated) sustained = Math.max(sustained, step.offeredPerSec);
      f[`acceptP50@${step.offeredPerSec}`] = step.submit.acceptMs.p50;
      f[`acceptP99@${step.offeredPerSec}`] = step.submit.acceptMs.p99;
      f[`latencyP50@${step.offeredPerSec}`] = p.latencyMs.p50;
      f[`latencyP99@${step.offeredPerSec}`] = p.latencyMs.p99;
      f[`completedPerSec@${step.offeredPerSec}`] = p.perSec;
      for (const [name, s] of Object.entries(step.bySource)) {
        if (name === src) continue;
        f[`${name}.latencyP50@${step.offeredPerSec}`] = s.latencyMs.p50;
        f[`${name}.latencyP99@${step.offeredPerSec}`] = s.latencyMs.p99;
      }
      if (step.readModelLagMs) {
        f[`readModelLagP50@${step.offeredPerSec}`] = step.readModelLagMs.p50;
        f[`readModelLagP99@${step.offeredPerSec}`] = step.readModelLagMs.p99;
      }
    }
    f.maxCompletedPerSec = max;
    f.maxSustainedRate = sustained;
  }
  if (r.drain) {
    const d = r.drain.figures;
    const p = d.bySource[src];
    if (p) f['drain.perSec'] = p.perSec;
    if (p) f['drain.missing'] = p.missing;
    const col = d.bySource.collector;
    if (col && sys === 'asyncfn') {
      // Functions done, seen by the collector: execution alone, without the read model.
      f['drain.collectorPerSec'] = col.perSec;
      f['drain.collectorMissing'] = col.missing;
    }
    perTaskOps(f, sys, r.drain.ops, p?.completed ?? 0, '.drain');
    f['drain.submitPerSec'] = d.submit.perSec;
    f['drain.fromResumeS'] = d.fromResumeS;
  }
  return f;
}

/** Operations per completed task: `ops.<counter><suffix>` (e.g. `ops.nats.status.received@400`). */
function perTaskOps(
  f: Record<string, number>,
  sys: SystemName,
  ops: OpCounters | undefined,
  completed: number,
  suffix: string,
): void {
  if (!ops || completed <= 0) return;
  for (const [k, v] of Object.entries(countersOf(sys, ops))) f[`ops.${k}${suffix}`] = round(v / completed);
}

/** asyncfn ÷ each peer (and task mode off ÷ on), inside one run. */
export function runRatios(run: RunResult): Record<string, number> {
  const out: Record<string, number> = {};
  const a = run.systems.asyncfn ? runFigures('asyncfn', run.systems.asyncfn) : undefined;
  if (a) {
    for (const peer of PEERS) {
      const r = run.systems[peer];
      if (!r) continue;
      const p = runFigures(peer, r);
      for (const key of Object.keys(a)) {
        // Counts of failures and stragglers have no meaningful ratio; source-specific keys no peer has.
        if (p[key] === undefined || key.includes('.latency') || key.startsWith('ops.')) continue;
        if (/failures|missing/i.test(key)) continue;
        out[`${key}:asyncfn÷${peer}`] = ratio(a[key]!, p[key]);
      }
    }
  }
  const off = run.systems['asyncfn-taskoff'];
  if (off?.steps && run.systems.asyncfn?.steps) {
    // Both observed by the collector: the same observation, tracked vs untracked.
    const on = new Map(
      run.systems.asyncfn.steps.map((s) => [s.figures.offeredPerSec, s.figures.bySource.collector]),
    );
    // Capacity over all steps of each (task mode off may go further before it saturates).
    const maxOf = (steps: Measured<StepFigures>[]) =>
      Math.max(0, ...steps.map((s) => s.figures.bySource.collector?.perSec ?? 0));
    const maxOn = maxOf(run.systems.asyncfn.steps);
    const maxOff = maxOf(off.steps);
    for (const { figures: step } of off.steps) {
      const o = step.bySource.collector;
      const t = on.get(step.offeredPerSec);
      if (!o || !t) continue;
      out[`latencyP50@${step.offeredPerSec}:taskoff÷tracked`] = ratio(o.latencyMs.p50, t.latencyMs.p50);
      out[`latencyP99@${step.offeredPerSec}:taskoff÷tracked`] = ratio(o.latencyMs.p99, t.latencyMs.p99);
    }
    out['maxCompletedPerSec:taskoff÷tracked'] = ratio(maxOff, maxOn);
  }
  return out;
}

function spreads(samples: Array<Record<string, number>>): Record<string, ReturnType<typeof spread>> {
  const keys = new Set(samples.flatMap((s) => Object.keys(s)));
  return Object.fromEntries(
    [...keys].sort().map((k) => [k, spread(samples.filter((s) => k in s).map((s) => s[k]!))]),
  );
}

/**
 * CPU the system spent per task it completed in a step, ms: every measured process but the load
 * generator's (the bench group), over the offered load. Steadier than latency on a noisy machine,
 * so rounds compare by it at a given load.
 */
function cpuMsPerTask(step: Measured<StepFigures>, source: string): number {
  const completed = step.figures.bySource[source]?.perSec ?? 0;
  const { machineBusyCores, othersCores, processes } = step.resources;
  const loadGenerator = Object.values(processes)
    .filter((p) => p.group === 'bench')
    .reduce((sum, p) => sum + p.cpuCores, 0);
  return completed > 0 ? ((machineBusyCores - othersCores - loadGenerator) * 1000) / completed : Number.NaN;
}

function curves(runs: RunResult[]): Summary['curves'] {
  const out: Summary['curves'] = {};
  for (const sys of SYSTEMS) {
    const bySource = new Map<string, Map<number, Measured<StepFigures>[]>>();
    for (const run of runs) {
      for (const measured of run.systems[sys]?.steps ?? []) {
        const step = measured.figures;
        for (const source of Object.keys(step.bySource)) {
          const byRate = bySource.get(source) ?? new Map<number, Measured<StepFigures>[]>();
          bySource.set(source, byRate);
          byRate.set(step.offeredPerSec, [...(byRate.get(step.offeredPerSec) ?? []), measured]);
        }
      }
    }
    if (bySource.size === 0) continue;
    out[sys] = {};
    for (const [source, byRate] of bySource) {
      out[sys][source] = [...byRate.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([rate, steps]): CurvePoint => {
          const figs = steps.map((s) => s.figures.bySource[source]!);
          return {
            offeredPerSec: rate,
            runs: steps.length,
            p50: spread(figs.map((f) => f.latencyMs.p50)),
            p95: spread(figs.map((f) => f.latencyMs.p95)),
            p99: spread(figs.map((f) => f.latencyMs.p99)),
            completedPerSec: spread(figs.map((f) => f.perSec)),
            cpuMsPerTask: spread(steps.map((s) => cpuMsPerTask(s, source)).filter(Number.isFinite)),
            saturatedRuns: steps.filter((s) => s.figures.saturated).length,
          };
        });
    }
  }
  return out;
}

/** Every measured phase of a run, by a stable name ("asyncfn.step@400", "bullmq.drain"...). */
export function phasesOf(run: RunResult): Array<[string, Measured<unknown>]> {
  const out: Array<[string, Measured<unknown>]> = [];
  for (const sys of SYSTEMS) {
    const r = run.systems[sys];
    if (!r) continue;
    if (r.submit) out.push([`${sys}.submit`, r.submit]);
    if (r.submitAlone) out.push([`${sys}.submitAlone`, r.submitAlone]);
    for (const s of r.steps ?? []) out.push([`${sys}.step@${s.figures.offeredPerSec}`, s]);
    if (r.drain) out.push([`${sys}.drain`, r.drain]);
  }
  if (run.retries) out.push(['asyncfn.retries', run.retries.step]);
  return out;
}

function resources(runs: RunResult[]): Summary['resources'] {
  const byPhase = new Map<string, ResourceWindow[]>();
  for (const run of runs) {
    for (const [phase, m] of phasesOf(run)) byPhase.set(phase, [...(byPhase.get(phase) ?? []), m.resources]);
  }
  const out: Summary['resources'] = {};
  for (const [phase, windows] of byPhase) {
    const names = new Set(windows.flatMap((w) => Object.keys(w.processes)));
    const processes: PhaseResources['processes'] = {};
    for (const name of [...names].sort()) {
      const usage = windows.map((w) => w.processes[name]).filter((u) => u !== undefined);
      processes[name] = {
        group: usage[0]?.group ?? 'unknown',
        cpuCores: spread(usage.map((u) => u.cpuCores)),
        peakRssMb: spread(usage.map((u) => u.peakRssMb)),
      };
    }
    out[phase] = {
      machineBusyCores: spread(windows.map((w) => w.machineBusyCores)),
      othersCores: spread(windows.map((w) => w.othersCores)),
      processes,
    };
  }
  return out;
}

/** Where asyncfn was pushed hardest: which process was CPU-bound, or was the machine full. */
function limits(res: Summary['resources']): Summary['limits'] {
  const cores = cpus().length;
  const topStep = (sys: string) =>
    Object.keys(res)
      .filter((p) => p.startsWith(`${sys}.step@`))
      .sort((a, b) => Number(b.split('@')[1]) - Number(a.split('@')[1]))[0];
  const phases = ['asyncfn.submit', topStep('asyncfn'), 'asyncfn.drain', topStep('asyncfn-taskoff')];
  const out: Summary['limits'] = [];
  for (const phase of phases) {
    const r = phase ? res[phase] : undefined;
    if (!phase || !r) continue;
    const own = Object.entries(r.processes).filter(([, p]) => p.group === 'service' || p.group === 'server');
    const top = [...own, ...Object.entries(r.processes).filter(([, p]) => p.group === 'bench')]
      .map(([process, p]) => ({ process, cpuCores: p.cpuCores.median }))
      .sort((a, b) => b.cpuCores - a.cpuCores)
      .slice(0, 5);
    const busy = r.machineBusyCores.median;
    const others = r.othersCores.median;
    const sum = (names: string[]) =>
      own.filter(([n]) => names.includes(n)).reduce((a, [, p]) => a + p.cpuCores.median, 0);
    const system = own.reduce((a, [, p]) => a + p.cpuCores.median, 0);
    const database = sum(['mongo', 'postgres']);
    const notes: string[] = [];
    if (busy >= 0.9 * cores) notes.push(`the machine's ${cores} cores were ~fully busy (${busy})`);
    notes.push(
      `asyncfn's services and servers used ${round(system)} cores, of which the database (FerretDB + PostgreSQL) ${round(database)}`,
    );
    if (others >= 0.25 * cores)
      notes.push(
        `${others} cores went to processes outside the bench (other work on the machine): figures are depressed by that noise`,
      );
    const hot = top.filter((t) => t.cpuCores >= 0.85);
    if (hot.length > 0) {
      notes.push(
        `${hot.map((h) => `${h.process} (${h.cpuCores})`).join(', ')} at about one full core: a single-threaded process CPU-bound`,
      );
    } else {
      notes.push(`no process at a full core (busiest ${top[0]?.process ?? '-'} ${top[0]?.cpuCores ?? 0})`);
    }
    out.push({ phase, machineBusyCores: busy, top, note: notes.join('; ') });
  }
  return out;
}

export function summarizeRuns(runs: RunResult[]): Summary {
  const figures: Record<string, ReturnType<typeof spread>> = {};
  for (const sys of SYSTEMS) {
    const samples = runs
      .map((r) => r.systems[sys])
      .filter((r) => r !== undefined)
      .map((r) => runFigures(sys, r));
    for (const [k, v] of Object.entries(spreads(samples))) figures[`${sys}.${k}`] = v;
  }
  const retries = runs.flatMap((r) => (r.retries ? [r.retries] : []));
  if (retries.length > 0) {
    const samples = retries.map((r) => {
      const p = r.step.figures.bySource.readModel;
      return {
        offered: r.step.figures.offeredPerSec,
        perSec: p?.perSec ?? Number.NaN,
        latencyP50: p?.latencyMs.p50 ?? Number.NaN,
        latencyP99: p?.latencyMs.p99 ?? Number.NaN,
        retried: r.retried,
        planned: r.planned,
      };
    });
    for (const [k, v] of Object.entries(spreads(samples))) figures[`asyncfn.retries.${k}`] = v;
  }
  const res = resources(runs);
  return {
    figures,
    ratios: spreads(runs.map((r) => r.ratios)),
    curves: curves(runs),
    resources: res,
    limits: limits(res),
  };
}
