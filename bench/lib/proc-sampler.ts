import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { serveParent } from './child.js';
import type { ProcTarget, ResourceWindow } from './resources.js';

/*
 * Bench child: samples /proc every SAMPLE_MS for the processes it is told about (each a root pid,
 * with or without itself and its descendants) and answers, per measurement window, the CPU each
 * used (cores, from utime+stime in /proc/<pid>/stat) and the peak resident memory at a sample
 * (VmRSS in /proc/<pid>/status; for a group of processes, see groupKb).
 */

const SAMPLE_MS = 500;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

interface ProcInfo {
  ppid: number;
  ticks: number;
}

interface Window {
  startMs: number;
  startTicks: Map<string, number>;
  startMachine: { busy: number; total: number };
  peakRssKb: Map<string, number>;
}

let targets: ProcTarget[] = [];
let lastTicks = new Map<number, number>();
let firstSample = true;
/** Cumulative CPU ticks per target label since the sampler started. */
const cumulative = new Map<string, number>();
const windows = new Map<number, Window>();
let nextWindow = 1;
let lastRss = new Map<string, number>();

function readProcs(): Map<number, ProcInfo> {
  const procs = new Map<number, ProcInfo>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The command name (field 2) may hold spaces and parentheses: fields start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.set(pid, {
        ppid: Number(fields[1]),
        ticks: Number(fields[11]) + Number(fields[12]),
      });
    } catch {
      // The process ended between readdir and read.
    }
  }
  return procs;
}

/** Resident memory of one process: VmRSS from /proc/<pid>/status. */
function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const PAGE_KB = 4;

/**
 * Memory of a group of processes that share pages (PostgreSQL's backends all map the shared
 * buffers): each one's private resident pages, plus the largest shared part once. From
 * /proc/<pid>/statm, which is cheap; Pss (smaps_rollup) would be exact but walks every page
 * table on each read, which made the sampler itself one of the busiest processes.
 */
function groupKb(pids: number[]): number {
  let privateKb = 0;
  let sharedKb = 0;
  for (const pid of pids) {
    try {
      const [, resident, shared] = readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ').map(Number);
      privateKb += ((resident ?? 0) - (shared ?? 0)) * PAGE_KB;
      sharedKb = Math.max(sharedKb, (shared ?? 0) * PAGE_KB);
    } catch {
      // gone
    }
  }
  return privateKb + sharedKb;
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

function membersOf(target: ProcTarget, children: Map<number, number[]>): number[] {
  const out: number[] = [];
  if (target.self) out.push(target.pid);
  if (target.descendants) {
    const stack = [...(children.get(target.pid) ?? [])];
    while (stack.length > 0) {
      const pid = stack.pop()!;
      out.push(pid);
      stack.push(...(children.get(pid) ?? []));
    }
  }
  return out;
}

function sample(): void {
  const procs = readProcs();
  const children = new Map<number, number[]>();
  for (const [pid, p] of procs) {
    const list = children.get(p.ppid);
    if (list) list.push(pid);
    else children.set(p.ppid, [pid]);
  }
  const rss = new Map<string, number>();
  for (const target of targets) {
    let delta = 0;
    const members = membersOf(target, children).filter((pid) => procs.has(pid));
    for (const pid of members) {
      const p = procs.get(pid)!;
      // A process not seen before was born since the last sample: all of its time is new.
      const before = lastTicks.get(pid) ?? (firstSample ? p.ticks : 0);
      delta += Math.max(0, p.ticks - before);
    }
    const kb = members.length === 1 ? rssKb(members[0]!) : groupKb(members);
    cumulative.set(target.label, (cumulative.get(target.label) ?? 0) + delta);
    rss.set(target.label, kb);
  }
  lastTicks = new Map([...procs].map(([pid, p]) => [pid, p.ticks]));
  firstSample = false;
  lastRss = rss;
  for (const w of windows.values()) {
    for (const [label, kb] of rss) w.peakRssKb.set(label, Math.max(w.peakRssKb.get(label) ?? 0, kb));
  }
}

serveParent({
  setTargets(args) {
    targets = args as ProcTarget[];
    sample();
    return targets.length;
  },
  begin() {
    sample();
    const id = nextWindow++;
    windows.set(id, {
      startMs: performance.now(),
      startTicks: new Map(cumulative),
      startMachine: machineTicks(),
      peakRssKb: new Map(lastRss),
    });
    return id;
  },
  end(args): ResourceWindow {
    const id = args as number;
    sample();
    const w = windows.get(id);
    if (!w) throw new Error(`no window ${id}`);
    windows.delete(id);
    const seconds = Math.max(1e-3, (performance.now() - w.startMs) / 1000);
    const machine = machineTicks();
    const processes: ResourceWindow['processes'] = {};
    for (const t of targets) {
      const ticks = (cumulative.get(t.label) ?? 0) - (w.startTicks.get(t.label) ?? 0);
      processes[t.label] = {
        group: t.group,
        cpuCores: Math.round((ticks / CLK_TCK / seconds) * 1000) / 1000,
        peakRssMb: Math.round(((w.peakRssKb.get(t.label) ?? 0) / 1024) * 10) / 10,
      };
    }
    const busy = machine.busy - w.startMachine.busy;
    const total = machine.total - w.startMachine.total;
    const machineBusyCores = total > 0 ? Math.round((busy / total) * cpuCount() * 1000) / 1000 : 0;
    const measured = Object.values(processes).reduce((a, p) => a + p.cpuCores, 0);
    return {
      seconds: Math.round(seconds * 1000) / 1000,
      machineBusyCores,
      othersCores: Math.max(0, Math.round((machineBusyCores - measured) * 1000) / 1000),
      processes,
    };
  },
});

function cpuCount(): number {
  return readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((l) => /^cpu\d+ /.test(l)).length;
}

setInterval(sample, SAMPLE_MS);
