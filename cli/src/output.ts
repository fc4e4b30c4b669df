import Table from 'cli-table3';
import pc from 'picocolors';
import { formatDuration } from './duration.js';

/*
 * What people read: compact tables (kubectl-like: no borders, two spaces between columns), task
 * states as words (coloured as well on a terminal, never colour alone), local times.
 */

const BLANK = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

export type Cell = string | number | undefined | null;

/** A table as text: a header row then one row per item; empty cells show as `-`. */
export function renderTable(head: string[], rows: Cell[][]): string {
  const table = new Table({
    head: head.map((h) => pc.bold(h)),
    chars: BLANK,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
  });
  for (const row of rows)
    table.push(row.map((c) => (c === undefined || c === null || c === '' ? '-' : String(c))));
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

/** Two columns, field and value, for one item. */
export function renderFields(fields: [string, Cell][]): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return fields
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${pc.bold(k.padEnd(width))}  ${String(v)}`)
    .join('\n');
}

const STATE_COLOURS: Record<string, (s: string) => string> = {
  Succeeded: pc.green,
  Failed: pc.red,
  Invalid: pc.red,
  Expired: pc.yellow,
  Stopped: pc.yellow,
  Stopping: pc.yellow,
  Running: pc.cyan,
  Retrying: pc.magenta,
  Completed: pc.green,
};

export const stateWord = (state: string): string => (STATE_COLOURS[state] ?? ((s: string) => s))(state);

/** `2026-12-07 09:15:02.123`, local time. */
export function formatTime(epochMs: number | undefined): string | undefined {
  if (epochMs === undefined) return undefined;
  const d = new Date(epochMs);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export const formatMs = (ms: number | undefined) => (ms === undefined ? undefined : formatDuration(ms));

/** Keeps a table cell to one short line. */
export function truncate(text: string | undefined, max = 60): string | undefined {
  if (text === undefined) return undefined;
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
