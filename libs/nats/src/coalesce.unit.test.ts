import type { JsMsg } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { holdOpenGroups, type Coalescing } from './consume.js';

/** A message of task `key` published at `atMs`; `last` marks its terminal event. */
const msg = (key: string | undefined, atMs: number, last = false) =>
  ({ key, last, info: { timestampNanos: atMs * 1e6 } }) as unknown as JsMsg;
type Fake = { key?: string; last: boolean };
const coalescing: Coalescing = {
  windowMs: 50,
  keyOf: (m) => (m as unknown as Fake).key,
  closes: (m) => (m as unknown as Fake).last,
};

describe('holding a task’s events together', () => {
  it('holds an open task that is younger than the window, and says when to look again', () => {
    const a1 = msg('a', 1_000);
    const a2 = msg('a', 1_010);
    const { ready, held, wakeInMs } = holdOpenGroups([a1, a2], coalescing, 1_020);
    expect(ready).toEqual([]);
    expect(held).toEqual([a1, a2]);
    expect(wakeInMs).toBe(30);
  });

  it('releases all of a task’s events at once when its terminal event is there', () => {
    const a1 = msg('a', 1_000);
    const b1 = msg('b', 1_001);
    const a2 = msg('a', 1_002, true);
    const { ready, held } = holdOpenGroups([a1, b1, a2], coalescing, 1_005);
    expect(ready).toEqual([a1, a2]);
    expect(held).toEqual([b1]);
  });

  it('releases a task whose first event is older than the window, in order', () => {
    const a1 = msg('a', 1_000);
    const a2 = msg('a', 1_040);
    const { ready, held } = holdOpenGroups([a1, a2], coalescing, 1_050);
    expect(ready).toEqual([a1, a2]);
    expect(held).toEqual([]);
  });

  it('never holds messages without a group', () => {
    const loose = msg(undefined, 1_000);
    expect(holdOpenGroups([loose], coalescing, 1_000).ready).toEqual([loose]);
  });
});
