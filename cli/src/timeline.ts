import type { AsyncTask } from './api-types.js';
import { formatMs, formatTime, type Cell } from './output.js';

/**
 * A task's event timeline as table rows: each state, when it began, and how long the task stayed in
 * it (until the next event; the last one, if not terminal, until `now`).
 */
export function timelineRows(task: AsyncTask, now: number, terminal: boolean): Cell[][] {
  const events = [...(task.events ?? [])].sort((a, b) => a.eventId - b.eventId);
  return events.map((e, i) => {
    const next = events[i + 1];
    const until = next ? next.timestamp : terminal ? undefined : now;
    return [
      e.eventId,
      e.status,
      formatTime(e.timestamp),
      until !== undefined ? formatMs(Math.max(0, until - e.timestamp)) : undefined,
      e.eventDetail,
    ];
  });
}

export const TIMELINE_HEAD = ['#', 'STATE', 'AT', 'FOR', 'DETAIL'];
