import { CronExpressionParser } from 'cron-parser';
import { ApiError } from '@asyncfn/contracts';

/*
 * Timer triggers (FC's TimerTriggerConfig.cronExpression): when they fire. Pure: the current time
 * comes in. Every dispatcher replica computes the same firing times from the trigger record, so
 * a firing's task id (trigger + scheduled second) is the same everywhere and the intake's dedupe
 * lets exactly one replica's submission through.
 */

export type TimerSchedule =
  { kind: 'every'; periodMs: number } | { kind: 'cron'; expression: string; timeZone: string };

const EVERY = /^@every\s+((?:\d+[hms])+)$/;
const EVERY_PART = /(\d+)([hms])/g;
const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000 } as const;
const CRON_TZ = /^CRON_TZ=(\S+)\s+(.+)$/;
/** Shortest `@every` period. FC's own minimum is one minute; seconds help tests and demos. */
export const MIN_EVERY_MS = 1_000;
const MAX_EVERY_MS = 366 * 24 * 3_600_000;

function invalid(message: string): never {
  throw new ApiError('InvalidArgument', `triggerConfig.cronExpression: ${message}`);
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * `@every 5s`, `@every 1h30m` (units h, m, s), or a cron expression of 6 fields, seconds first
 * (`0 0/5 * * * *`), optionally preceded by `CRON_TZ=<IANA zone> ` (UTC otherwise), as FC has it.
 */
export function parseTimerSchedule(text: string): TimerSchedule {
  const expression = text.trim();
  const every = EVERY.exec(expression);
  if (every) {
    let periodMs = 0;
    for (const [, n, unit] of every[1]!.matchAll(EVERY_PART)) {
      periodMs += Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS];
    }
    if (periodMs < MIN_EVERY_MS || periodMs > MAX_EVERY_MS) invalid('@every: between 1s and 366 days');
    return { kind: 'every', periodMs };
  }
  if (expression.startsWith('@every')) invalid("@every: a duration like '30s', '5m' or '1h30m'");
  const tz = CRON_TZ.exec(expression);
  const timeZone = tz ? tz[1]! : 'UTC';
  const cron = tz ? tz[2]!.trim() : expression;
  if (!isTimeZone(timeZone)) invalid(`unknown time zone '${timeZone.slice(0, 64)}'`);
  if (cron.split(/\s+/).length !== 6) {
    invalid("a cron expression has 6 fields, seconds first ('0 */5 * * * *'), or use '@every 5m'");
  }
  try {
    CronExpressionParser.parse(cron, { tz: timeZone, strict: true }).next();
  } catch (err) {
    invalid((err as Error).message);
  }
  return { kind: 'cron', expression: cron, timeZone };
}

/**
 * The first firing strictly after `afterMs`. `@every` fires at `anchor + k·period` (k ≥ 1), the
 * anchor being `anchorMs` cut to the second: the trigger's last modification, the same on every
 * replica.
 */
export function nextFiring(schedule: TimerSchedule, afterMs: number, anchorMs: number): number {
  switch (schedule.kind) {
    case 'every': {
      const { periodMs } = schedule;
      // Whole seconds: FC's triggerTime has no fraction, and task ids use the second.
      const anchor = Math.floor(anchorMs / 1000) * 1000;
      if (afterMs < anchor) return anchor + periodMs;
      return anchor + (Math.floor((afterMs - anchor) / periodMs) + 1) * periodMs;
    }
    case 'cron': {
      const next = CronExpressionParser.parse(schedule.expression, {
        tz: schedule.timeZone,
        strict: true,
        currentDate: new Date(afterMs),
      })
        .next()
        .getTime();
      // cron-parser starts from the current second; make "strictly after" hold for any input.
      return next > afterMs ? next : nextFiring(schedule, Math.floor(afterMs / 1000) * 1000 + 1000, anchorMs);
    }
    default: {
      const unknown: never = schedule;
      throw new Error(`unknown schedule ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * How long a timer firing may take to be submitted: until the next firing is due (at least 1 s),
 * since a late duplicate of it after the next one would be a surprise.
 */
export function firingDeadlineMs(
  schedule: TimerSchedule,
  scheduledAt: number,
  anchorMs: number,
  now: number,
): number {
  return Math.max(1_000, nextFiring(schedule, scheduledAt, anchorMs) - now);
}

/** After a stall (a paused process), firings up to this late are still made; older ones are not. */
export const TIMER_CATCH_UP_MS = 5_000;

/** Where a timer looks for its next firing after firing the one due at `due`. */
export function nextFiringAfter(due: number, now: number): number {
  return Math.max(due, now - TIMER_CATCH_UP_MS);
}
