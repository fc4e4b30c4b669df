import { boundedInFlight } from '@asyncfn/core';
import { monoMs, sleep } from './clock.js';

/*
 * Two ways of offering load. Open loop: request i is due at t0 + i/rate whatever happened to the
 * earlier ones, and its latency is measured from when it was due, so a slow system cannot hide
 * its queueing (no coordinated omission); a cap on requests in flight keeps the client bounded,
 * and the lag it causes is reported. Closed loop: N clients, each sending its next request when
 * the previous one is answered, for a fixed time.
 */

export interface Sent {
  index: number;
  /** When the request was due (open loop) or sent (closed loop), monotonic ms. */
  dueMs: number;
  /** When it was actually sent. */
  sentMs: number;
  /** When its answer arrived. */
  doneMs: number;
  ok: boolean;
}

export interface LoadResult {
  sent: Sent[];
  /** First due time to last answer. */
  startMs: number;
  endMs: number;
  failures: number;
  /** Largest delay between due and actually sent (client-side back-pressure), ms. */
  maxLagMs: number;
  errors: Record<string, number>;
}

/** Sends request `index`, due (open loop) or started (closed loop) at `dueMs`. */
export type SendFn = (index: number, dueMs: number) => Promise<void>;

function errorKey(err: unknown): string {
  return ((err as Error)?.message ?? String(err)).slice(0, 120);
}

export async function openLoop(options: {
  rate: number;
  durationMs: number;
  maxInFlight: number;
  send: SendFn;
}): Promise<LoadResult> {
  const count = Math.max(1, Math.round((options.rate * options.durationMs) / 1000));
  const interval = 1000 / options.rate;
  const sent: Sent[] = [];
  const errors: Record<string, number> = {};
  const inFlight = boundedInFlight(options.maxInFlight);
  let failures = 0;
  let maxLagMs = 0;
  const t0 = monoMs() + 5;
  for (let i = 0; i < count; i++) {
    const due = t0 + i * interval;
    const wait = due - monoMs();
    // Timers are ~1 ms coarse: sleep only when ahead, and send every request already due.
    if (wait > 1) await sleep(wait);
    await inFlight.room();
    const sentMs = monoMs();
    maxLagMs = Math.max(maxLagMs, sentMs - due);
    // Late: latency counts from when it was due. Early (by under a timer tick): from when it was sent.
    const start = Math.max(due, sentMs);
    const record: Sent = { index: i, dueMs: start, sentMs, doneMs: 0, ok: false };
    sent.push(record);
    const p = options
      .send(i, start)
      .then(
        () => {
          record.ok = true;
        },
        (err: unknown) => {
          failures += 1;
          const key = errorKey(err);
          errors[key] = (errors[key] ?? 0) + 1;
        },
      )
      .finally(() => {
        record.doneMs = monoMs();
      });
    inFlight.add(p);
  }
  await inFlight.settled();
  return {
    sent,
    startMs: t0,
    endMs: sent.reduce((m, s) => Math.max(m, s.doneMs), t0),
    failures,
    maxLagMs,
    errors,
  };
}

export async function closedLoop(options: {
  clients: number;
  durationMs: number;
  /** Stops early once this many requests were sent. */
  maxRequests?: number;
  send: SendFn;
}): Promise<LoadResult> {
  const sent: Sent[] = [];
  const errors: Record<string, number> = {};
  let failures = 0;
  let next = 0;
  const limit = options.maxRequests ?? Number.POSITIVE_INFINITY;
  const t0 = monoMs();
  const deadline = t0 + options.durationMs;
  const client = async () => {
    while (monoMs() < deadline && next < limit) {
      const index = next++;
      const start = monoMs();
      const record: Sent = { index, dueMs: start, sentMs: start, doneMs: 0, ok: false };
      sent.push(record);
      try {
        await options.send(index, start);
        record.ok = true;
      } catch (err) {
        failures += 1;
        const key = errorKey(err);
        errors[key] = (errors[key] ?? 0) + 1;
      }
      record.doneMs = monoMs();
    }
  };
  await Promise.all(Array.from({ length: options.clients }, client));
  return { sent, startMs: t0, endMs: monoMs(), failures, maxLagMs: 0, errors };
}
