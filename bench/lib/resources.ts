import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICE_NAMES, type ServiceName } from '@asyncfn/config';
import { CACHE } from '../../scripts/stack.js';
import { startChild, type Child } from './child.js';

/*
 * CPU and peak RSS per process of everything the bench measures: the five services (the function
 * instances counted apart from the executor), the servers (pid files of deploy/local plus their
 * children), the peers, and the bench itself. The sampling runs in a child process (proc-sampler).
 */

export type ProcGroup = 'service' | 'server' | 'peer' | 'bench';

export interface ProcTarget {
  label: string;
  group: ProcGroup;
  pid: number;
  /** Count the root process itself. */
  self: boolean;
  /** Count every descendant of the root (forked workers, function instances, postgres backends). */
  descendants: boolean;
}

export interface ProcUsage {
  group: ProcGroup;
  /** Average CPU over the window, in cores (1 = one core fully busy). */
  cpuCores: number;
  peakRssMb: number;
}

export interface ResourceWindow {
  seconds: number;
  /** Busy CPU of the whole machine over the window, in cores (others' work included). */
  machineBusyCores: number;
  /** The part of it no measured process accounts for: other sessions' work, the kernel. */
  othersCores: number;
  processes: Record<string, ProcUsage>;
}

export interface ResourceMeter {
  /** Replaces the set of measured processes (after services restart, peers start...). */
  track(targets: ProcTarget[]): Promise<void>;
  begin(): Promise<number>;
  end(window: number): Promise<ResourceWindow>;
  stop(): Promise<void>;
  pid: number;
}

export async function startResourceMeter(): Promise<ResourceMeter> {
  const child: Child = await startChild(
    'proc-sampler',
    fileURLToPath(new URL('./proc-sampler.ts', import.meta.url)),
  );
  return {
    pid: child.pid,
    async track(targets) {
      await child.call('setTargets', targets);
    },
    begin: () => child.call<number>('begin'),
    end: (window) => child.call<ResourceWindow>('end', window),
    stop: () => child.stop(),
  };
}

function readPidFile(file: string): number | undefined {
  try {
    const pid = Number((readFileSync(file, 'utf8').split('\n')[0] ?? '').trim());
    return Number.isInteger(pid) && pid > 0 && existsSync(`/proc/${pid}`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The local servers: every `$CACHE/run/<name>.pid` (not the background asyncfn services of
 * `npm run up`, which are not part of the bench) and PostgreSQL's postmaster behind FerretDB.
 */
export function serverTargets(): ProcTarget[] {
  const runDir = join(CACHE, 'run');
  const out: ProcTarget[] = [];
  if (existsSync(runDir)) {
    for (const file of readdirSync(runDir)) {
      if (!file.endsWith('.pid') || file.startsWith('asyncfn-')) continue;
      const pid = readPidFile(join(runDir, file));
      if (pid)
        out.push({ label: basename(file, '.pid'), group: 'server', pid, self: true, descendants: true });
    }
  }
  const postmaster = readPidFile(join(CACHE, 'data', 'postgres', 'postmaster.pid'));
  if (postmaster && !out.some((t) => t.pid === postmaster)) {
    out.push({ label: 'postgres', group: 'server', pid: postmaster, self: true, descendants: true });
  }
  return out.sort((a, b) => a.label.localeCompare(b.label));
}

/**
 * The services startStack started: children of this process running a service's main.ts. The
 * executor's descendants are its function instances, counted as their own line.
 */
export function serviceTargets(): ProcTarget[] {
  const out: ProcTarget[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const service = SERVICE_NAMES.find((s: ServiceName) =>
        cmdline.some((arg) => arg.endsWith(join('services', s, 'src', 'main.ts'))),
      );
      if (!service) continue;
      out.push({ label: service, group: 'service', pid, self: true, descendants: service !== 'executor' });
      if (service === 'executor') {
        out.push({ label: 'fn-instances', group: 'service', pid, self: false, descendants: true });
      }
    } catch {
      // gone
    }
  }
  return out;
}
