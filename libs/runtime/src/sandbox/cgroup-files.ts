import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';

/** Large enough for any statistics file read per invocation (cpu.stat, memory.events: a few lines). */
const STAT_BUFFER_BYTES = 4096;

/**
 * The files an instance's cgroup is read and reset through on every invocation, each opened once:
 * a reading is one pread from the start (the kernel renders the file afresh), not an open, stat,
 * read and close. A file that cannot be opened or written (absent, or a write this kernel refuses)
 * is not tried again.
 */
export function openFiles() {
  // By mode and path: a file read and reset has a descriptor for each.
  const fds = new Map<string, number | null>();
  const buffer = Buffer.alloc(STAT_BUFFER_BYTES);
  const open = (key: string, path: string, flags: string): number | null => {
    let fd = fds.get(key);
    if (fd === undefined) {
      try {
        fd = openSync(path, flags);
      } catch {
        fd = null;
      }
      fds.set(key, fd);
    }
    return fd;
  };
  const give = (key: string): void => {
    const fd = fds.get(key);
    if (typeof fd === 'number') closeSync(fd);
    fds.set(key, null);
  };
  return {
    read(path: string): string | undefined {
      const key = `r ${path}`;
      const fd = open(key, path, 'r');
      if (fd === null) return undefined;
      try {
        const n = readSync(fd, buffer, 0, buffer.length, 0);
        return n < buffer.length ? buffer.toString('utf8', 0, n) : readFileSync(path, 'utf8');
      } catch {
        give(key);
        return undefined;
      }
    },
    write(path: string, value: string): boolean {
      const key = `w ${path}`;
      const fd = open(key, path, 'r+');
      if (fd === null) return false;
      try {
        writeSync(fd, value, 0);
        return true;
      } catch {
        give(key);
        return false;
      }
    },
    close(): void {
      for (const fd of fds.values()) if (typeof fd === 'number') closeSync(fd);
      fds.clear();
    },
  };
}
