import { closeSync, openSync, readSync, writeSync } from 'node:fs';

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

/**
 * One process's /proc files, opened once: a reading is one pread per file (procfs regenerates a
 * file on every read from offset 0) instead of an open, fstat, reads and close per file, twice
 * per invocation. Every method answers undefined (or false) once the process is gone, or where
 * there is no procfs.
 */
export interface ProcReader {
  sample(): ProcSample | undefined;
  /** CPU time only (the stat file), for an invocation's start. */
  cpuMs(): number | undefined;
  /** Resets VmHWM to the current RSS (Linux ≥ 4.0, the process's owner may). */
  resetPeakRss(): boolean;
  close(): void;
}

/** The kernel reports CPU times in USER_HZ ticks, which is 100 on every Linux ABI. */
const MS_PER_TICK = 10;
/** /proc/<pid>/stat is a few hundred bytes, /proc/<pid>/status under 2 KB. */
const READ_BUFFER_BYTES = 8192;

export function openProcReader(pid: number): ProcReader {
  const open = (file: string, flags: 'r' | 'w') => {
    try {
      return openSync(`/proc/${pid}/${file}`, flags);
    } catch {
      return undefined;
    }
  };
  const fds = { stat: open('stat', 'r'), status: open('status', 'r'), clearRefs: open('clear_refs', 'w') };
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  const read = (fd: number | undefined) => {
    if (fd === undefined) return undefined;
    try {
      return buffer.toString('latin1', 0, readSync(fd, buffer, 0, READ_BUFFER_BYTES, 0));
    } catch {
      return undefined;
    }
  };
  const cpuMs = () => {
    const stat = read(fds.stat);
    if (!stat) return undefined;
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * MS_PER_TICK : undefined;
  };
  return {
    cpuMs,
    sample() {
      const cpu = cpuMs();
      const status = cpu === undefined ? undefined : read(fds.status);
      if (cpu === undefined || !status) return undefined;
      const rssKB = kilobytes(status, 'VmRSS');
      const peakKB = kilobytes(status, 'VmHWM');
      if (rssKB === undefined || peakKB === undefined) return undefined;
      return { cpuMs: cpu, rssMB: rssKB / 1024, peakMB: peakKB / 1024 };
    },
    resetPeakRss() {
      if (fds.clearRefs === undefined) return false;
      try {
        writeSync(fds.clearRefs, '5');
        return true;
      } catch {
        return false;
      }
    },
    close() {
      for (const fd of Object.values(fds)) if (fd !== undefined) closeSync(fd);
      fds.stat = fds.status = fds.clearRefs = undefined;
    },
  };
}

function kilobytes(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : undefined;
}
