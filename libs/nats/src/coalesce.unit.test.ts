import { describe, expect, it } from 'vitest';
import { holdOpenGroups, type Coalescing } from './coalesce.js';
import { combineOutcomes, done, drop, retry } from './outcomes.js';

/** A message of task `key` that reached the consumer at `atMs`; `last` marks its terminal event. */
type Fake = { key?: string; last: boolean; atMs: number; lead?: boolean };
const msg = (key: string | undefined, atMs: number, last = false): Fake => ({ key, last, atMs });
const arrivedAt = (m: Fake) => m.atMs;
const coalescing: Coalescing<Fake> = {
  windowMs: 50,
  keyOf: (m) => m.key,
  closes: (m) => m.last,
};

describe('holding a task’s events together', () => {
  it('holds an open task that is younger than the window, and says when to look again', () => {
    const a1 = msg('a', 1_000);
    const a2 = msg('a', 1_010);
    const { ready, held, wakeInMs } = holdOpenGroups([a1, a2], coalescing, 1_020, arrivedAt);
    expect(ready).toEqual([]);
    expect(held).toEqual([a1, a2]);
    expect(wakeInMs).toBe(30);
  });

  it('releases all of a task’s events at once when its terminal event is there', () => {
    const a1 = msg('a', 1_000);
    const b1 = msg('b', 1_001);
    const a2 = msg('a', 1_002, true);
    const { ready, held } = holdOpenGroups([a1, b1, a2], coalescing, 1_005, arrivedAt);
    expect(ready).toEqual([a1, a2]);
    expect(held).toEqual([b1]);
  });

  it('releases a task whose first event is older than the window, in order', () => {
    const a1 = msg('a', 1_000);
    const a2 = msg('a', 1_040);
    const { ready, held } = holdOpenGroups([a1, a2], coalescing, 1_050, arrivedAt);
    expect(ready).toEqual([a1, a2]);
    expect(held).toEqual([]);
  });

  it('times the window from arrival, not publication: a backlog is still written once per task', () => {
    // Published long ago (a consumer catching up), arrived just now: held for its other events.
    const a1 = { ...msg('a', 5_000), info: { timestampNanos: 1_000 * 1e6 } };
    const { ready, held } = holdOpenGroups([a1], coalescing, 5_010, arrivedAt);
    expect(ready).toEqual([]);
    expect(held).toEqual([a1]);
  });

  it('never holds messages without a group', () => {
    const loose = msg(undefined, 1_000);
    expect(holdOpenGroups([loose], coalescing, 1_000, arrivedAt).ready).toEqual([loose]);
  });

  describe('a group led by a message that comes long before the rest (a claim)', () => {
    const lead = (key: string, atMs: number): Fake => ({ ...msg(key, atMs), lead: true });
    const withLeads: Coalescing<Fake> = {
      ...coalescing,
      leadWindowMs: 2_000,
      leads: (m) => m.lead === true,
    };

    it('holds the leading message alone for the longer window', () => {
      const claim = lead('a', 1_000);
      expect(holdOpenGroups([claim], withLeads, 2_500, arrivedAt)).toMatchObject({
        ready: [],
        held: [claim],
        wakeInMs: 500,
      });
      expect(holdOpenGroups([claim], withLeads, 3_000, arrivedAt).ready).toEqual([claim]);
    });

    it('starts the usual window at the first other message, then releases the group whole', () => {
      const claim = lead('a', 1_000);
      const dequeued = msg('a', 2_900);
      expect(holdOpenGroups([claim, dequeued], withLeads, 2_920, arrivedAt)).toMatchObject({
        ready: [],
        held: [claim, dequeued],
        wakeInMs: 30,
      });
      const { ready } = holdOpenGroups([claim, dequeued], withLeads, 2_950, arrivedAt);
      expect(ready).toEqual([claim, dequeued]);
    });
  });
});

describe('one outcome for a message that carried several events', () => {
  it('retries if any event must be retried (the applied ones are stale next time), with the longest delay', () => {
    expect(combineOutcomes(done, retry(250, 'premature'))).toEqual(retry(250, 'premature'));
    expect(combineOutcomes(retry(250, 'a'), done)).toEqual(retry(250, 'a'));
    expect(combineOutcomes(retry(250, 'a'), retry(500, 'b'))).toEqual(retry(500, 'b'));
    expect(combineOutcomes(drop('unknown task'), retry(250, 'a'))).toEqual(retry(250, 'a'));
  });

  it('drops only what no event needs again, and acknowledges when every event is done', () => {
    expect(combineOutcomes(done, drop('x'))).toEqual(drop('x'));
    expect(combineOutcomes(undefined, done)).toEqual(done);
    expect(combineOutcomes(done, done)).toEqual(done);
  });
});
