import { isTerminal, type AsyncTaskEvent } from './types.js';

export interface TimelineRow {
  status: string;
  timestamp: number;
  attempt: number | undefined;
  detail: string;
  source: string | undefined;
  /** Time in this state: until the next event, or until `now` for a state still current. */
  spentMs: number | undefined;
  /** True for the last state of a task that has not ended: `spentMs` is still growing. */
  current: boolean;
}

/**
 * A task's history as the timeline shows it: events in order, each with the time the task spent
 * in that state. A terminal state has no duration; the current state of a live task runs to `now`.
 */
export function timeline(events: AsyncTaskEvent[], now: number): TimelineRow[] {
  const sorted = [...events].sort((a, b) => a.timestamp - b.timestamp);
  return sorted.map((e, i) => {
    const next = sorted[i + 1];
    const last = next === undefined;
    const ended = isTerminal(e.status);
    return {
      status: e.status,
      timestamp: e.timestamp,
      attempt: e.attempt,
      detail: e.eventDetail ?? '',
      source: e.source,
      spentMs: next ? next.timestamp - e.timestamp : ended ? undefined : Math.max(0, now - e.timestamp),
      current: last && !ended,
    };
  });
}

/** Total time per state over the whole history (a state met twice, e.g. Running per attempt, adds up). */
export function timeInStates(rows: TimelineRow[]): { status: string; ms: number }[] {
  const totals = new Map<string, number>();
  for (const r of rows)
    if (r.spentMs !== undefined) totals.set(r.status, (totals.get(r.status) ?? 0) + r.spentMs);
  return [...totals].map(([status, ms]) => ({ status, ms }));
}

/** 1234 → "1.23 s", 65_000 → "1 min 5 s", 12 → "12 ms". */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const min = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return min < 60 ? `${min} min ${s} s` : `${Math.floor(min / 60)} h ${min % 60} min`;
}
