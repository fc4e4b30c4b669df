import { describe, expect, it } from 'vitest';
import {
  TIMER_CATCH_UP_MS,
  firingDeadlineMs,
  nextFiring,
  nextFiringAfter,
  parseTimerSchedule,
} from './trigger-schedule.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('timer schedules', () => {
  it('parse @every durations', () => {
    expect(parseTimerSchedule('@every 5s')).toEqual({ kind: 'every', periodMs: 5_000 });
    expect(parseTimerSchedule('@every 1h30m')).toEqual({ kind: 'every', periodMs: 5_400_000 });
    expect(() => parseTimerSchedule('@every 5d')).toThrow(/@every/);
    expect(() => parseTimerSchedule('@every')).toThrow(/@every/);
  });

  it('parse 6-field cron expressions, UTC unless CRON_TZ says otherwise', () => {
    expect(parseTimerSchedule('0 */5 * * * *')).toEqual({
      kind: 'cron',
      expression: '0 */5 * * * *',
      timeZone: 'UTC',
    });
    expect(parseTimerSchedule('CRON_TZ=Asia/Shanghai 0 0 4 * * *')).toEqual({
      kind: 'cron',
      expression: '0 0 4 * * *',
      timeZone: 'Asia/Shanghai',
    });
    expect(() => parseTimerSchedule('CRON_TZ=Mars/Olympus 0 0 4 * * *')).toThrow(/time zone/);
    expect(() => parseTimerSchedule('0 0 4 * *')).toThrow(/6 fields/);
    expect(() => parseTimerSchedule('0 0 99 * * *')).toThrow(/cronExpression/);
  });

  it('@every fires at whole multiples of the period after the anchor second', () => {
    const every = parseTimerSchedule('@every 2s');
    const anchor = at('2026-11-24T12:00:00.700Z');
    expect(iso(nextFiring(every, anchor, anchor))).toBe('2026-11-24T12:00:02.000Z');
    expect(iso(nextFiring(every, at('2026-11-24T12:00:01.999Z'), anchor))).toBe('2026-11-24T12:00:02.000Z');
    expect(iso(nextFiring(every, at('2026-11-24T12:00:02.000Z'), anchor))).toBe('2026-11-24T12:00:04.000Z');
    expect(iso(nextFiring(every, at('2026-11-24T11:00:00.000Z'), anchor))).toBe('2026-11-24T12:00:02.000Z');
  });

  it('cron fires strictly after the given time, in its time zone', () => {
    const cron = parseTimerSchedule('*/5 * * * * *');
    expect(iso(nextFiring(cron, at('2026-11-24T12:00:01.000Z'), 0))).toBe('2026-11-24T12:00:05.000Z');
    expect(iso(nextFiring(cron, at('2026-11-24T12:00:05.000Z'), 0))).toBe('2026-11-24T12:00:10.000Z');
    expect(iso(nextFiring(cron, at('2026-11-24T12:00:04.999Z'), 0))).toBe('2026-11-24T12:00:05.000Z');
    const shanghai = parseTimerSchedule('CRON_TZ=Asia/Shanghai 0 0 4 * * *');
    expect(iso(nextFiring(shanghai, at('2026-11-24T12:00:00.000Z'), 0))).toBe('2026-11-24T20:00:00.000Z');
  });
});

describe('timer firings', () => {
  const every5s = parseTimerSchedule('@every 5s');
  const anchor = at('2026-12-07T10:00:00Z');

  it('may be submitted until the next firing is due, at least 1 s', () => {
    const scheduledAt = anchor + 5_000;
    expect(firingDeadlineMs(every5s, scheduledAt, anchor, scheduledAt)).toBe(5_000);
    expect(firingDeadlineMs(every5s, scheduledAt, anchor, scheduledAt + 3_000)).toBe(2_000);
    // Already past the next one (a stalled process): a second to try, not a negative timeout.
    expect(firingDeadlineMs(every5s, scheduledAt, anchor, scheduledAt + 7_000)).toBe(1_000);
  });

  it('after a stall, catch up on firings at most 5 s late and skip older ones', () => {
    const due = anchor + 5_000;
    expect(TIMER_CATCH_UP_MS).toBe(5_000);
    // On time: the next firing after this one.
    expect(iso(nextFiring(every5s, nextFiringAfter(due, due + 10), anchor))).toBe('2026-12-07T10:00:10.000Z');
    // Woken 9 s after a firing: the one due 5 s after it, now 4 s late, is still made.
    expect(iso(nextFiring(every5s, nextFiringAfter(due, due + 9_000), anchor))).toBe(
      '2026-12-07T10:00:10.000Z',
    );
    // Woken a minute late: the eleven firings missed more than 5 s ago are skipped.
    expect(iso(nextFiring(every5s, nextFiringAfter(due, due + 60_000), anchor))).toBe(
      '2026-12-07T10:01:05.000Z',
    );
  });
});
