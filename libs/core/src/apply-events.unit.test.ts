import { describe, expect, it } from 'vitest';
import type { TaskEvent } from '@asyncfn/contracts';
import { planBatch, type BaseDoc } from './apply-events.js';

const base = (over: Partial<BaseDoc> = {}): BaseDoc => ({
  _id: 'acme:t1',
  status: 'Enqueued',
  attempt: 0,
  version: 1,
  invokeCount: 0,
  ...over,
});
let n = 0;
const ev = (type: TaskEvent['type'], attempt = 0, extra: object = {}): TaskEvent =>
  ({
    v: 1,
    eventId: `e${++n}`,
    taskId: 't1',
    tenant: 'acme',
    functionName: 'f',
    attempt,
    timestamp: 1000 + n,
    source: 'executor',
    type,
    ...extra,
  }) as TaskEvent;

describe('planBatch', () => {
  it('given an accepted task, when the rest of its life arrives in one batch, then one write and the history', () => {
    const events = [
      ev('TaskDequeued'),
      ev('TaskStarted', 1),
      ev('TaskSucceeded', 1, { returnPayload: 'ok', durationMs: 3 }),
    ];
    const plan = planBatch(events, new Map([['acme:t1', base()]]), 1000);
    expect(plan.verdicts.map((v) => v.kind)).toEqual(['applied', 'applied', 'applied']);
    expect(plan.history.map((h) => [h.seq, h.status])).toEqual([
      [2, 'Dequeued'],
      [3, 'Running'],
      [4, 'Succeeded'],
    ]);
    expect(plan.writes).toHaveLength(1);
    expect(plan.writes[0]).toMatchObject({
      id: 'acme:t1',
      expectedVersion: 1,
      set: { status: 'Succeeded', version: 4, invokeCount: 1, returnPayload: 'ok' },
    });
  });

  it('given a claim and the rest of the task in one batch, then one insert of the final state and all history', () => {
    const claim = ev('TaskEnqueued', 0, {
      eventId: 'acme:t1:enqueued',
      source: 'ingress',
      requestId: 'r1',
      dueAt: 1000,
      payload: 'e30=',
    });
    const events = [
      claim,
      ev('TaskDequeued'),
      ev('TaskStarted', 1),
      ev('TaskSucceeded', 1, { returnPayload: 'ok' }),
    ];
    const plan = planBatch(events, new Map(), 60_000);
    expect(plan.verdicts.map((v) => v.kind)).toEqual(['applied', 'applied', 'applied', 'applied']);
    expect(plan.writes).toEqual([]);
    expect(plan.inserts).toHaveLength(1);
    expect(plan.inserts[0]).toMatchObject({
      _id: 'acme:t1',
      requestId: 'r1',
      payload: 'e30=',
      startedTime: claim.timestamp,
      status: 'Succeeded',
      version: 4,
      invokeCount: 1,
      returnPayload: 'ok',
    });
    expect(plan.history.map((h) => [h._id, h.seq, h.status])).toEqual([
      ['acme:t1:enqueued', 1, 'Enqueued'],
      [events[1]!.eventId, 2, 'Dequeued'],
      [events[2]!.eventId, 3, 'Running'],
      [events[3]!.eventId, 4, 'Succeeded'],
    ]);
  });

  it('an event of a task whose claim has not been seen is for an unknown task', () => {
    const plan = planBatch([ev('TaskDequeued')], new Map(), 1000);
    expect(plan.verdicts.map((v) => v.kind)).toEqual(['unknownTask']);
    expect(plan.inserts).toEqual([]);
  });

  it('a repeated TaskEnqueued is stale', () => {
    expect(
      planBatch([ev('TaskEnqueued', 0, { requestId: 'r' })], new Map([['acme:t1', base()]]), 1000).verdicts[0]
        ?.kind,
    ).toBe('stale');
  });

  it('given a finished task, when a late event arrives, then it is stale and nothing is written', () => {
    const plan = planBatch(
      [ev('TaskStarted', 2)],
      new Map([['acme:t1', base({ status: 'Succeeded', attempt: 1, version: 4 })]]),
      1000,
    );
    expect(plan.verdicts).toEqual([{ kind: 'stale', reason: 'task already Succeeded' }]);
    expect(plan.writes).toEqual([]);
    expect(plan.history).toEqual([]);
  });

  it('given a duplicate in the batch, then the second copy is stale', () => {
    const started = ev('TaskStarted', 1);
    const plan = planBatch(
      [started, started],
      new Map([['acme:t1', base({ status: 'Dequeued', version: 2 })]]),
      1000,
    );
    expect(plan.verdicts.map((v) => v.kind)).toEqual(['applied', 'stale']);
  });

  it('an event of an unknown task is reported, and an early one is premature', () => {
    const plan = planBatch(
      [ev('TaskDequeued'), ev('TaskSucceeded', 1, { returnPayload: '', durationMs: 1 })],
      new Map([['acme:t1', base()]]),
      1000,
    );
    expect(plan.verdicts[0]?.kind).toBe('applied');
    expect(plan.verdicts[1]?.kind).toBe('premature');
    const unknown = planBatch([ev('TaskDequeued')], new Map(), 1000);
    expect(unknown.verdicts).toEqual([{ kind: 'unknownTask' }]);
  });
});
