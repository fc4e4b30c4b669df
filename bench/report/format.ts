import type { Spread } from '../lib/stats.js';

/** Numbers as people read them: 3-ish significant digits. */
export function num(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a >= 100 || Number.isInteger(v)) return Math.round(v).toLocaleString('en-US');
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

/**
 * "median (min–max)", or just the value when there was one run; "[n=k]" when only k of the
 * bench's `totalRuns` runs measured it (a step some runs did not reach, say).
 */
export function spreadText(s: Spread | undefined, suffix = '', totalRuns = 0): string {
  if (!s || !Number.isFinite(s.median)) return '–';
  const runs = s.runs.filter((v) => Number.isFinite(v)).length;
  const partial = totalRuns > 1 && runs < totalRuns ? ` [n=${runs}]` : '';
  if (runs <= 1 || s.min === s.max) return `${num(s.median)}${suffix}${partial}`;
  return `${num(s.median)}${suffix} (${num(s.min)}–${num(s.max)})${partial}`;
}
