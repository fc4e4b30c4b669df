/*
 * One clock for every process of the bench: CLOCK_MONOTONIC (process.hrtime) is system-wide on
 * Linux, so a timestamp taken in a child process compares directly with one taken here. Wall time
 * is only needed against asyncfn's own timestamps (endTime), via a fixed offset taken once.
 */

export function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

const WALL_OFFSET_MS = Date.now() - monoMs();

/** The wall-clock time (ms since the epoch) of a monotonic timestamp. */
export function wallOf(mono: number): number {
  return mono + WALL_OFFSET_MS;
}

/** The monotonic timestamp of a wall-clock time such as a task's endTime. */
export function monoOf(wall: number): number {
  return wall - WALL_OFFSET_MS;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
