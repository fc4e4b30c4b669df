import { describe, expect, it } from 'vitest';
import type { TaskEvent } from '@asyncfn/contracts';
import { eventsOf } from './apply-batch.js';

const base = { v: 1, tenant: 't', functionName: 'f', taskId: 'x', source: 'executor' } as const;

describe('the events a message carries', () => {
  it('are those in `earlier`, oldest first, then its own without them', () => {
    const started = { ...base, eventId: 'e1', attempt: 1, timestamp: 1, type: 'TaskStarted' } as TaskEvent;
    const own = { ...base, eventId: 'e2', attempt: 1, timestamp: 2, type: 'TaskSucceeded', durationMs: 1 };
    const message = { ...own, earlier: [started] } as TaskEvent;
    expect(eventsOf(message)).toEqual([started, own]);
  });

  it('are just its own when it carries none', () => {
    const dequeued = { ...base, eventId: 'e0', attempt: 0, timestamp: 0, type: 'TaskDequeued' } as TaskEvent;
    expect(eventsOf(dequeued)).toEqual([dequeued]);
    expect(eventsOf({ ...dequeued, earlier: [] })).toEqual([{ ...dequeued, earlier: [] }]);
  });
});
