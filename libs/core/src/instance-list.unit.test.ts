import { describe, expect, it } from 'vitest';
import type { InstanceRecord } from '@asyncfn/contracts';
import { selectInstances } from './instance-list.js';
import { parseListInstancesQuery } from './query-validation.js';

const instance = (instanceId: string, status: string, createdTimeMs: number) =>
  ({ instanceId, status, createdTimeMs }) as InstanceRecord;
const records = [
  instance('c', 'busy', 300),
  instance('a', 'frozen', 100),
  instance('d', 'destroyed', 400),
  instance('b', 'busy', 200),
];
const ids = (list: InstanceRecord[]) => list.map((r) => r.instanceId);

describe('ListInstances', () => {
  it('lists every instance by id when nothing narrows it', () => {
    expect(ids(selectInstances(records, parseListInstancesQuery({})))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('pages by id: at most `limit`, the next page from `startKey` on', () => {
    const first = selectInstances(records, parseListInstancesQuery({ limit: '2' }));
    expect(ids(first)).toEqual(['a', 'b']);
    const next = selectInstances(records, parseListInstancesQuery({ limit: '2', startKey: 'b\u0000' }));
    expect(ids(next)).toEqual(['c', 'd']);
    expect(ids(selectInstances(records, parseListInstancesQuery({ startKey: 'c' })))).toEqual(['c', 'd']);
  });

  it('filters by status, id and creation time, as the SDK sends them', () => {
    const q = (query: object) => ids(selectInstances(records, parseListInstancesQuery(query)));
    expect(q({ instanceStatus: '["busy"]' })).toEqual(['b', 'c']);
    expect(q({ instanceIds: 'a, d' })).toEqual(['a', 'd']);
    expect(q({ instanceIds: ['a', 'c'] })).toEqual(['a', 'c']);
    expect(q({ startTimeMs: '200', endTimeMs: '300' })).toEqual(['b', 'c']);
  });

  it('answers bad parameters with InvalidArgument naming the field', () => {
    expect(() => parseListInstancesQuery({ limit: '0' })).toThrow(/limit/);
    expect(() => parseListInstancesQuery({ limit: 'ten' })).toThrow(/limit/);
    expect(() => parseListInstancesQuery({ startTimeMs: '-1' })).toThrow(/startTimeMs/);
    expect(() => parseListInstancesQuery({ instanceStatus: '[1]' })).toThrow(
      expect.objectContaining({
        code: 'InvalidArgument',
        message: expect.stringMatching(/^instanceStatus: /),
      }),
    );
  });
});
