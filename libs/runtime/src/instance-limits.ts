/**
 * An instance's limits, as pure decisions and the words the task sees: the function's timeout,
 * the start timeout, and its memory size (the kernel's cgroup limit in a sandbox, else the RSS
 * guard), plus what one invocation cost. The instance owns the timers that apply them.
 */
import type { ProcSample } from './proc-stats.js';
import type { ResourceUsage } from './types.js';

export function timeoutMessage(timeoutSeconds: number): `Function timed out after ${number} seconds` {
  return `Function timed out after ${timeoutSeconds} seconds`;
}

export function startTimeoutMessage(startTimeoutMs: number): string {
  return `Instance process did not start within ${startTimeoutMs} ms`;
}

export function outOfMemoryMessage(memorySizeMB: number): string {
  return `Process ran out of memory (limit ${memorySizeMB} MB)`;
}

/** What the memory guard can see of an instance. */
export interface MemoryProbe {
  /** The kernel OOM-killed a process of the instance's sandbox. */
  kernelOutOfMemory(): boolean;
  /** Its RSS now; undefined when it cannot be read (process gone, no procfs). */
  sample(): ProcSample | undefined;
}

export type MemoryVerdict =
  | { kind: 'within' }
  /** `rssMB` when the RSS guard caught it, absent when the kernel did. */
  | { kind: 'outOfMemory'; rssMB?: number };

/**
 * Whether an instance is out of memory. The kernel enforces a sandbox's limit itself; a process
 * it killed (maybe a child while the main one lives on) makes the instance an out-of-memory
 * casualty, as the RSS guard would. The kernel is asked first, so no sample is taken then.
 */
export function checkMemory(probe: MemoryProbe, memorySizeMB: number): MemoryVerdict {
  if (probe.kernelOutOfMemory()) return { kind: 'outOfMemory' };
  const sample = probe.sample();
  if (!sample || sample.rssMB <= memorySizeMB) return { kind: 'within' };
  return { kind: 'outOfMemory', rssMB: sample.rssMB };
}

/** What an invocation cost from its dispatch (CPU time then) to `sample`. */
export function usageSince(
  cpuStartMs: number | undefined,
  sample: ProcSample | undefined,
): ResourceUsage | undefined {
  if (cpuStartMs === undefined || !sample) return undefined;
  return {
    cpuTimeMs: Math.max(0, Math.round(sample.cpuMs - cpuStartMs)),
    peakMemoryMB: Math.ceil(sample.peakMB),
  };
}

export interface MemoryGuardOptions {
  /** How often to check; 0: never (the Node heap cap and a sandbox's kernel limit still apply). */
  intervalMs: number;
  probe: MemoryProbe;
  memorySizeMB: number;
  /** The instance is already ending: nothing to guard. */
  isEnding(): boolean;
  /** The RSS guard caught it (the kernel's own kill needs no word from us). */
  onOverLimit(rssMB: number): void;
  onOutOfMemory(): void;
}

/** Checks the instance's memory every `intervalMs` until `stop()`. */
export function startMemoryGuard(o: MemoryGuardOptions): { stop(): void } {
  if (o.intervalMs <= 0) return { stop() {} };
  const timer = setInterval(() => {
    if (o.isEnding()) return;
    const verdict = checkMemory(o.probe, o.memorySizeMB);
    if (verdict.kind === 'within') return;
    if (verdict.rssMB !== undefined) o.onOverLimit(verdict.rssMB);
    o.onOutOfMemory();
  }, o.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
