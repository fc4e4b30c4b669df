import { UsageError } from './errors.js';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `10m`, `1h30m`, `45s`, `2d`, `500ms` → milliseconds. */
export function parseDuration(text: string): number {
  const input = text.trim();
  const parts = [...input.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)];
  if (input === '' || parts.map((p) => p[0]).join('') !== input) {
    throw new UsageError(`'${text}' is not a duration (examples: 30s, 10m, 1h30m, 2d)`);
  }
  return Math.round(parts.reduce((ms, [, n, unit]) => ms + Number(n) * UNIT_MS[unit!]!, 0));
}

/**
 * A point in time: a duration back from now (`10m`: ten minutes ago), an epoch in milliseconds, or
 * an ISO 8601 date.
 */
export function parseSince(text: string, now: number): number {
  if (/^\d{12,}$/.test(text)) return Number(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const t = Date.parse(text);
    if (Number.isNaN(t)) throw new UsageError(`'${text}' is not a date`);
    return t;
  }
  return now - parseDuration(text);
}

/** 850ms, 12.3s, 4m05s, 2h10m: short, for tables. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  const m = Math.round(s / 60);
  if (m < 1440) return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(m / 1440)}d${String(Math.floor((m % 1440) / 60)).padStart(2, '0')}h`;
}
