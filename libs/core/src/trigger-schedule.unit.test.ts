import { describe, expect, it } from 'vitest';
import { nextFiring, parseTimerSchedule } from './trigger-schedule.js';

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
