import { describe, expect, it } from 'vitest';
import { createNames, type FunctionRecord } from '@asyncfn/contracts';
import { MAX_FILTERED_FUNCTIONS, destinationEventFilter, hasDestinations } from './destination-filter.js';

const names = createNames('asyncfn');
const fn = (extra: Partial<FunctionRecord>) =>
  ({ tenant: 't', functionName: 'f', ...extra }) as FunctionRecord;
const stamp = { functionArn: 'acs:fc:local:t:functions/f', createdTime: '', lastModifiedTime: '' };
const onSuccess = {
  ...stamp,
  destinationConfig: { onSuccess: { destination: 'acs:mns:::/queues/q/messages' } },
};

describe('hasDestinations', () => {
  it("is true when LATEST's or any qualifier's async config names a destination", () => {
    expect(hasDestinations(fn({}))).toBe(false);
    expect(hasDestinations(fn({ asyncConfig: { ...stamp, maxAsyncRetryAttempts: 1 } }))).toBe(false);
    expect(hasDestinations(fn({ asyncConfig: onSuccess }))).toBe(true);
    expect(
      hasDestinations(fn({ qualifierAsyncConfigs: { prod: { ...stamp, destinationConfig: {} } } })),
    ).toBe(false);
    expect(hasDestinations(fn({ qualifierAsyncConfigs: { prod: onSuccess } }))).toBe(true);
  });
});

describe('destinationEventFilter', () => {
  it("is each such function's terminal events, in a stable order", () => {
    const filter = destinationEventFilter(names, [
      { tenant: 'b', functionName: 'x' },
      { tenant: 'a', functionName: 'y' },
    ]);
    expect(filter[0]).toBe('asyncfn.events.a.y.TaskSucceeded');
    expect(filter).toContain('asyncfn.events.b.x.TaskFailed');
    expect(filter).toContain('asyncfn.events.b.x.TaskStopped');
    expect(filter).toContain('asyncfn.events.b.x.TaskExpired');
    expect(
      filter.every((s) => s.startsWith('asyncfn.events.a.y.') || s.startsWith('asyncfn.events.b.x.')),
    ).toBe(true);
  });

  it('is a subject no event has when no function has a destination', () => {
    expect(destinationEventFilter(names, [])).toEqual(['asyncfn.events.-.-.TaskSucceeded']);
  });

  it('is every terminal event above the limit', () => {
    const many = Array.from({ length: MAX_FILTERED_FUNCTIONS + 1 }, (_, i) => ({
      tenant: 't',
      functionName: `f${i}`,
    }));
    const filter = destinationEventFilter(names, many);
    expect(filter).toContain('asyncfn.events.*.*.TaskSucceeded');
    expect(filter.every((s) => s.startsWith('asyncfn.events.*.*.'))).toBe(true);
  });
});
