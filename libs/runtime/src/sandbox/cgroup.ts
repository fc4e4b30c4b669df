import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { openFiles } from './cgroup-files.js';

/**
 * One instance's cgroup: a hard memory limit, a pids limit and a CPU weight, on cgroup v2 (the
 * unified hierarchy, when it has the memory and pids controllers) or else v1 (one hierarchy per
 * controller, as on these machines). The sandbox's first process joins it before anything of the
 * function runs (see command.ts), so every process of the instance is counted.
 */
export interface InstanceCgroup {
  readonly version: 1 | 2;
  /** The `cgroup.procs` files a process writes its pid to, to join. */
  readonly procsFiles: string[];
  /** OOM kills inside the cgroup since it was made. */
  oomKills(): number;
  /** CPU time of every process of the instance, ms. */
  cpuMs(): number | undefined;
  /** Memory charged now (anonymous, page cache and /tmp included), MB. */
  memoryMB(): number | undefined;
  /** Peak of `memoryMB` since creation or the last `resetPeak`, MB. */
  peakMB(): number | undefined;
  resetPeak(): boolean;
  /** SIGKILLs every process still in the cgroup. */
  killAll(): void;
  /** Removes the cgroup once its processes are gone; true when removed. */
  remove(): boolean;
}

export interface CgroupLimits {
  memoryMB: number;
  pidsMax: number;
  /** Relative CPU share: 1 = one vCPU's worth (FC gives a 1024 MB function about one vCPU). */
  cpuWeight: number;
}

/** The cgroup hierarchies usable on this host. */
export interface CgroupLayout {
  version: 1 | 2;
  /** v2: the unified mount. v1: controller → its mount. */
  unified?: string;
  controllers: Partial<Record<'memory' | 'pids' | 'cpu' | 'cpuacct', string>>;
}

export class CgroupUnavailableError extends Error {
  override name = 'CgroupUnavailableError';
}

/** Reads /proc/self/mounts (or the text given) for cgroup mounts; v2 wins when it has what we need. */
export function detectCgroups(mounts = readFileSync('/proc/self/mounts', 'utf8')): CgroupLayout {
  const v1: CgroupLayout['controllers'] = {};
  let unified: string | undefined;
  for (const line of mounts.split('\n')) {
    const [, mountPoint, type, options] = line.split(' ');
    if (!mountPoint) continue;
    if (type === 'cgroup2') unified = mountPoint;
    if (type !== 'cgroup') continue;
    for (const opt of options?.split(',') ?? []) {
      if (opt === 'memory' || opt === 'pids' || opt === 'cpu' || opt === 'cpuacct') v1[opt] ??= mountPoint;
    }
  }
  if (unified) {
    const available = readIfExists(join(unified, 'cgroup.controllers'))?.trim().split(/\s+/) ?? [];
    if (available.includes('memory') && available.includes('pids')) {
      return { version: 2, unified, controllers: available.includes('cpu') ? { cpu: unified } : {} };
    }
  }
  if (v1.memory && v1.pids) return { version: 1, controllers: v1 };
  throw new CgroupUnavailableError(
    'no usable cgroup hierarchy: need the memory and pids controllers (cgroup v2, or v1 mounted read-write)',
  );
}

/** Makes the instance's cgroup(s) under `<hierarchy>/<parent>/<id>` and sets the limits. */
export function createInstanceCgroup(
  layout: CgroupLayout,
  parent: string,
  id: string,
  limits: CgroupLimits,
): InstanceCgroup {
  return layout.version === 2
    ? createV2(layout.unified!, parent, id, limits)
    : createV1(layout, parent, id, limits);
}

const MB = 1024 * 1024;

function createV2(unified: string, parent: string, id: string, limits: CgroupLimits): InstanceCgroup {
  const parentDir = join(unified, parent);
  mkdirSync(parentDir, { recursive: true });
  // Controllers must be enabled on every level above the instance's cgroup.
  const wanted = ['memory', 'pids', 'cpu'].filter((c) =>
    readIfExists(join(unified, 'cgroup.controllers'))?.split(/\s+/).includes(c),
  );
  for (const dir of [unified, parentDir]) {
    tryWrite(join(dir, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
  }
  const dir = join(parentDir, id);
  mkdirSync(dir);
  writeFileSync(join(dir, 'memory.max'), String(limits.memoryMB * MB));
  tryWrite(join(dir, 'memory.swap.max'), '0');
  writeFileSync(join(dir, 'pids.max'), String(limits.pidsMax));
  tryWrite(join(dir, 'cpu.weight'), String(clamp(Math.round(100 * limits.cpuWeight), 1, 10_000)));
  const files = openFiles();
  const read = (file: string) => files.read(join(dir, file));
  return {
    version: 2,
    procsFiles: [join(dir, 'cgroup.procs')],
    oomKills: () => counter(read('memory.events'), 'oom_kill'),
    cpuMs: () => {
      const usec = counter(read('cpu.stat'), 'usage_usec', NaN);
      return Number.isFinite(usec) ? usec / 1000 : undefined;
    },
    memoryMB: () => bytesMB(read('memory.current')),
    peakMB: () => bytesMB(read('memory.peak')),
    // memory.peak is resettable per open file from Linux 6.12; older kernels keep the lifetime peak.
    resetPeak: () => files.write(join(dir, 'memory.peak'), 'reset'),
    killAll() {
      if (!tryWrite(join(dir, 'cgroup.kill'), '1')) killListed([join(dir, 'cgroup.procs')]);
    },
    remove() {
      files.close();
      return removeDirs([dir]);
    },
  };
}

function createV1(layout: CgroupLayout, parent: string, id: string, limits: CgroupLimits): InstanceCgroup {
  const { memory, pids, cpu, cpuacct } = layout.controllers;
  // A mount may carry several controllers (cpu,cpuacct): one directory per mount.
  const mounts = [...new Set([memory!, pids!, cpu, cpuacct].filter((m): m is string => !!m))];
  const dirs = mounts.map((m) => join(m, parent, id));
  for (const d of dirs) mkdirSync(d, { recursive: true });
  const memDir = join(memory!, parent, id);
  writeFileSync(join(memDir, 'memory.limit_in_bytes'), String(limits.memoryMB * MB));
  // No swap either: memory+swap gets the same limit (the file exists only with swap accounting).
  tryWrite(join(memDir, 'memory.memsw.limit_in_bytes'), String(limits.memoryMB * MB));
  writeFileSync(join(pids!, parent, id, 'pids.max'), String(limits.pidsMax));
  if (cpu)
    tryWrite(join(cpu, parent, id, 'cpu.shares'), String(Math.max(2, Math.round(1024 * limits.cpuWeight))));
  const acctDir = cpuacct ? join(cpuacct, parent, id) : undefined;
  const procsFiles = dirs.map((d) => join(d, 'cgroup.procs'));
  const files = openFiles();
  return {
    version: 1,
    procsFiles,
    oomKills: () => counter(files.read(join(memDir, 'memory.oom_control')), 'oom_kill'),
    cpuMs: () => {
      const ns = Number(acctDir ? files.read(join(acctDir, 'cpuacct.usage')) : NaN);
      return Number.isFinite(ns) ? ns / 1e6 : undefined;
    },
    memoryMB: () => bytesMB(files.read(join(memDir, 'memory.usage_in_bytes'))),
    peakMB: () => bytesMB(files.read(join(memDir, 'memory.max_usage_in_bytes'))),
    resetPeak: () => files.write(join(memDir, 'memory.max_usage_in_bytes'), '0'),
    killAll: () => killListed(procsFiles),
    remove() {
      files.close();
      return removeDirs(dirs);
    },
  };
}

/** An empty instance cgroup this old is a leftover (an instance's cgroup is joined at once). */
const SWEEP_AGE_MS = 10 * 60_000;

/** Removes instance cgroups a previous executor left behind, if they are empty (busy ones stay). */
export function sweepEmptyCgroups(layout: CgroupLayout, parent: string): void {
  const mounts = layout.version === 2 ? [layout.unified!] : Object.values(layout.controllers);
  for (const mount of new Set(mounts)) {
    const dir = join(mount, parent);
    let names: string[] = [];
    try {
      names = readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      continue;
    }
    // Only old ones: another executor on this host may have just made one it has not joined yet.
    for (const name of names) {
      const path = join(dir, name);
      const made = statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - made > SWEEP_AGE_MS) removeDirs([path]);
    }
  }
}

function killListed(procsFiles: string[]): void {
  // New processes may be forked while we kill; a few rounds catch them (the pid namespace's end
  // takes the rest with it).
  for (let round = 0; round < 5; round += 1) {
    const pids = new Set(procsFiles.flatMap((f) => (readIfExists(f) ?? '').split('\n').filter(Boolean)));
    if (pids.size === 0) return;
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

function removeDirs(dirs: string[]): boolean {
  let all = true;
  for (const d of dirs) {
    try {
      rmdirSync(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') all = false;
    }
  }
  return all;
}

function counter(text: string | undefined, key: string, fallback = 0): number {
  const match = text ? new RegExp(`^${key} (\\d+)$`, 'm').exec(text) : null;
  return match ? Number(match[1]) : fallback;
}

function bytesMB(text: string | undefined): number | undefined {
  const n = Number(text?.trim());
  return text !== undefined && Number.isFinite(n) ? n / MB : undefined;
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function tryWrite(path: string, value: string): boolean {
  if (!existsSync(path)) return false;
  try {
    writeFileSync(path, value);
    return true;
  } catch {
    return false;
  }
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}
