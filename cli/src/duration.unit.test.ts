import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseSince } from './duration.js';
import { UsageError } from './errors.js';

describe('durations', () => {
  it('reads 10m, 1h30m, 45s, 2d, 500ms, 1w', () => {
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('45s')).toBe(45_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('1w')).toBe(604_800_000);
  });

  it('refuses anything else as a usage error', () => {
    for (const bad of ['', '10', 'm', '10 m', '10x', 'ten minutes', '-5m', '5m garbage']) {
      expect(() => parseDuration(bad), bad).toThrow(UsageError);
    }
  });

  it('--since: a duration back from now, an ISO date or epoch ms', () => {
    const now = Date.UTC(2026, 11, 7, 10, 0, 0);
    expect(parseSince('10m', now)).toBe(now - 600_000);
    expect(parseSince('2026-12-07T09:00:00Z', now)).toBe(Date.UTC(2026, 11, 7, 9, 0, 0));
    expect(parseSince('1796635824827', now)).toBe(1796635824827);
    expect(() => parseSince('2026-13-45', now)).toThrow(/not a date/);
  });

  it('formats short durations for tables', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(1234)).toBe('1.23s');
    expect(formatDuration(12_345)).toBe('12.3s');
    expect(formatDuration(245_000)).toBe('4m05s');
    expect(formatDuration(7_800_000)).toBe('2h10m');
    expect(formatDuration(90_000_000)).toBe('1d01h');
  });
});
