import { monoMs, sleep } from './clock.js';

/*
 * Watching submitted work finish. A source reports completions (task id, final status, when it
 * finished and when the bench saw it); the watch keeps those of the ids it was told to expect,
 * polls while the load is still running (so "seen" times are close to the truth), and after the
 * load ends waits, bounded, until every expected id has been seen.
 *
 * Expected ids come in groups (the payload they were sent with, see lib/payload.ts): a source
 * that must query for completions (asyncfn's read model) asks only for the groups that still
 * have outstanding ids, oldest first, so a poll costs the same whatever the run's size.
 */

export interface Completion {
  id: string;
  status: string;
  /** When the work finished, monotonic ms (the source's own timestamp, e.g. a task's endTime). */
  atMs: number;
  /** When the bench saw it. */
  seenMs: number;
}

export interface PendingGroup {
  payload: Buffer;
  /** Due time of the group's oldest outstanding id, monotonic ms. */
  oldestDueMs: number;
  outstanding: number;
}

export interface CompletionSource {
  name: string;
  /** Reading it loads the system being measured (asyncfn's read model is its database). */
  loadsSystem?: boolean;
  /**
   * Completions of ids with this prefix since the last call. `pending()` lists the groups still
   * outstanding, oldest first (computed on demand: a source that just drains a feed needs none).
   */
  take(pending: () => PendingGroup[], idPrefix: string): Promise<Completion[]>;
}

export interface Observed {
  /** Per source: what was seen of the expected ids. */
  bySource: Record<string, Map<string, Completion>>;
  /** Per source: expected ids never seen before the deadline. */
  missing: Record<string, number>;
}

export interface CompletionWatch {
  expect(id: string, dueMs: number, group: Buffer): void;
  forget(id: string): void;
  /** No more ids will come: wait until all are seen by every source, or until the deadline. */
  finish(deadlineMs: number): Promise<Observed>;
}

/** Watches the ids (all starting with `idPrefix`) it is told to expect. */
export function watchCompletions(
  sources: CompletionSource[],
  idPrefix: string,
  pollMs = 250,
  /**
   * Which sources are polled while the load runs: 'all', or 'light' (not those whose reads load
   * the system, so a throughput measurement does not carry the bench's reads), or 'none'. The
   * rest are read after the load: a completion's time is the source's own, so latency figures
   * are the same; only "seen" times are then late.
   */
  pollDuringLoad: 'all' | 'light' | 'none' = 'all',
): CompletionWatch {
  const expected = new Map<string, { dueMs: number; group: Buffer }>();
  const seen = new Map<string, Map<string, Completion>>(sources.map((s) => [s.name, new Map()]));
  let stopped = false;
  let failures = 0;

  const pending = (source: string): PendingGroup[] => {
    const got = seen.get(source)!;
    const groups = new Map<Buffer, PendingGroup>();
    for (const [id, e] of expected) {
      if (got.has(id)) continue;
      const g = groups.get(e.group);
      if (!g) groups.set(e.group, { payload: e.group, oldestDueMs: e.dueMs, outstanding: 1 });
      else {
        g.outstanding += 1;
        if (e.dueMs < g.oldestDueMs) g.oldestDueMs = e.dueMs;
      }
    }
    return [...groups.values()].sort((a, b) => a.oldestDueMs - b.oldestDueMs);
  };
  const outstanding = (source: string) => expected.size - seen.get(source)!.size;

  let loadEnded = false;
  const pollOnce = async () => {
    const now =
      loadEnded || pollDuringLoad === 'all'
        ? sources
        : sources.filter((s) => pollDuringLoad === 'light' && !s.loadsSystem);
    await Promise.all(
      now.map(async (source) => {
        const got = seen.get(source.name)!;
        if (got.size >= expected.size) return;
        try {
          for (const c of await source.take(() => pending(source.name), idPrefix)) {
            if (expected.has(c.id) && !got.has(c.id)) got.set(c.id, c);
          }
        } catch (err) {
          // A read model briefly unavailable (a server restarting) is retried on the next poll.
          if (++failures % 20 === 1) console.warn(`  ${source.name}: ${(err as Error).message}`);
        }
      }),
    );
  };

  let startPolling: () => void = () => undefined;
  const loop = (async () => {
    if (pollDuringLoad === 'none') await new Promise<void>((resolve) => (startPolling = resolve));
    while (!stopped) {
      const t = monoMs();
      await pollOnce();
      await sleep(Math.max(0, pollMs - (monoMs() - t)));
    }
  })();

  return {
    expect(id, dueMs, group) {
      expected.set(id, { dueMs, group });
    },
    forget(id) {
      expected.delete(id);
      for (const got of seen.values()) got.delete(id);
    },
    async finish(deadlineMs) {
      loadEnded = true;
      startPolling();
      while (monoMs() < deadlineMs && sources.some((s) => outstanding(s.name) > 0)) {
        await sleep(pollMs);
      }
      stopped = true;
      await loop;
      await pollOnce();
      return {
        bySource: Object.fromEntries(seen),
        missing: Object.fromEntries(sources.map((s) => [s.name, outstanding(s.name)])),
      };
    },
  };
}
