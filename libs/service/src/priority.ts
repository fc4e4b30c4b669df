import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Lowers this process's CPU priority to `nice`. On Linux a nice value belongs to a thread, so every
 * thread that exists now is lowered (V8's and libuv's helpers included); threads started later
 * inherit it from the main thread. Elsewhere the process's priority is set.
 */
export function lowerCpuPriority(nice: number): void {
  if (nice <= 0) return;
  let threads: number[] = [];
  try {
    threads = readdirSync('/proc/self/task').map(Number);
  } catch {
    // no /proc: not Linux
  }
  if (threads.length === 0) setPriority(nice);
  for (const tid of threads) {
    try {
      setPriority(tid, nice);
    } catch {
      // the thread ended in between
    }
  }
}
