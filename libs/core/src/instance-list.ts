import type { InstanceRecord } from '@asyncfn/contracts';
import type { ListInstancesQuery } from './query-validation.js';

/**
 * FC's ListInstances over the records the executors keep: filtered by status, id and creation time,
 * listed by instance id from `startKey` (inclusive), at most `limit`. FC's answer has no next token:
 * the next page starts after the last id of this one.
 */
export function selectInstances(records: readonly InstanceRecord[], q: ListInstancesQuery): InstanceRecord[] {
  const selected = records
    .filter(
      (r) =>
        (!q.instanceStatus || q.instanceStatus.includes(r.status)) &&
        (!q.instanceIds || q.instanceIds.includes(r.instanceId)) &&
        (q.startTimeMs === undefined || r.createdTimeMs >= q.startTimeMs) &&
        (q.endTimeMs === undefined || r.createdTimeMs <= q.endTimeMs) &&
        (q.startKey === undefined || r.instanceId >= q.startKey),
    )
    .sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0));
  return q.limit === undefined ? selected : selected.slice(0, q.limit);
}
