import { readFileSync, writeFileSync } from 'node:fs';

/**
 * What `/proc/<pid>` tells about an instance process (Linux). Reads are synchronous: procfs
 * answers from kernel memory in microseconds, and a sample must be taken at an exact moment
 * (an invocation's dispatch and answer).
 */
export interface ProcSample {
  /** User + system CPU time of all the process's threads, ms (USER_HZ = 100: 10 ms steps). */
  cpuMs: number;
  /** Resident set size now, MB. */
  rssMB: number;
  /** RSS high-water mark (VmHWM) since start or the last `resetPeakRss`, MB. */
  peakMB: number;
}

/** The kernel reports CPU times in USER_HZ ticks, which is 100 on every Linux ABI. */
const MS_PER_TICK = 10;

/** undefined when the process is gone (or a zombie) or there is no procfs. */
export function sampleProcess(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const rssKB = kilobytes(status, 'VmRSS');
    const peakKB = kilobytes(status, 'VmHWM');
    if (!Number.isFinite(utime + stime) || rssKB === undefined || peakKB === undefined) return undefined;
    return { cpuMs: (utime + stime) * MS_PER_TICK, rssMB: rssKB / 1024, peakMB: peakKB / 1024 };
  } catch {
    return undefined;
  }
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0, the process's owner may). Returns whether it did. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

function kilobytes(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : undefined;
}
