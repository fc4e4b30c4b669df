/**
 * Work in flight, bounded, for a loop that takes the next item only when there is room (the
 * bench's open-loop load generator). Waiting costs the same however much is in flight:
 * `Promise.race` over the pending set attaches a reaction to every pending promise on each wait,
 * so a loop held at a limit of 2,048 spent time and memory in proportion to it on every item.
 * Hand-written: p-limit and its kind queue work instead of holding the producer back. One loop
 * waits at a time.
 */
export interface InFlight {
  /** Tracks a promise until it settles (its outcome is the caller's to handle). */
  add(work: Promise<unknown>): void;
  /** Resolves once fewer than the limit are in flight. */
  room(): Promise<void>;
  readonly size: number;
  /** Resolves once everything tracked now has settled. */
  settled(): Promise<void>;
}

export function boundedInFlight(limit: number): InFlight {
  const pending = new Set<Promise<void>>();
  let waiting: (() => void) | undefined;
  return {
    add(work) {
      const done = () => {
        pending.delete(tracked);
        const wake = waiting;
        waiting = undefined;
        wake?.();
      };
      const tracked: Promise<void> = work.then(done, done);
      pending.add(tracked);
    },
    async room() {
      while (pending.size >= limit) await new Promise<void>((resolve) => (waiting = resolve));
    },
    get size() {
      return pending.size;
    },
    async settled() {
      await Promise.all(pending);
    },
  };
}
