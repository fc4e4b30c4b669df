import { describe, expect, it } from 'vitest';
import { taskDocumentId, type TaskEvent, type TaskStore } from '@asyncfn/contracts';
import { buildAcceptedTask, planBatch, type BaseDoc } from '@asyncfn/core';

/*
 * What every TaskStore adapter must do, run against each one (libs/mongo, libs/postgres) on the
 * real servers: the status service's writes, the API's reads, the sweeper's and the destination
 * service's calls. `store()` is read when a test runs (the adapter is opened in beforeAll).
 */

const RETENTION_MS = 3_600_000;
const T0 = Date.now();

const accept = (taskId: string, options: { functionName?: string; qualifier?: string; at?: number } = {}) =>
  buildAcceptedTask(
    {
      tenant: 'default',
      functionName: options.functionName ?? 'fn',
      taskId,
      requestId: `r-${taskId}`,
      payload: 'cA==',
      delaySeconds: 0,
      ...(options.qualifier ? { qualifier: options.qualifier, resolvedVersion: '1' } : {}),
    },
    options.at ?? T0,
  ).claim;

/** Event n of a task of `fn` after its claim, as the executor publishes it. */
export const laterEvent = (taskId: string, type: string, n: number, extra: object = {}) =>
  ({
    v: 1,
    eventId: `${taskId}-e${n}`,
    tenant: 'default',
    functionName: 'fn',
    taskId,
    attempt: type === 'TaskDequeued' ? 0 : 1,
    timestamp: T0 + n,
    source: 'executor',
    type,
    ...extra,
  }) as TaskEvent;

/** What the status service does with a batch: plan it against the stored bases, then write. */
export async function applyBatch(store: TaskStore, events: TaskEvent[]) {
  const ids = [...new Set(events.map((e) => taskDocumentId(e.tenant, e.taskId)))];
  const bases = (await store.loadBases(ids)) as Map<string, BaseDoc>;
  const plan = planBatch(events, bases, RETENTION_MS);
  return { plan, ...(await store.applyWrites(plan.history, plan.inserts, plan.writes)) };
}

export function describeTaskStoreContract(store: () => TaskStore): void {
  const apply = (events: TaskEvent[]) => applyBatch(store(), events);

  describe('the TaskStore contract', () => {
    it('records a short task in one write with its history, then appends by guarded updates', async () => {
      await apply([
        accept('short'),
        laterEvent('short', 'TaskDequeued', 2),
        laterEvent('short', 'TaskStarted', 3),
      ]);
      const running = await store().get('default', 'short', { withHistory: true });
      expect(running?.history?.map((e) => e.type)).toEqual(['TaskEnqueued', 'TaskDequeued', 'TaskStarted']);

      await apply([laterEvent('short', 'TaskSucceeded', 4, { returnPayload: 'ok', durationMs: 1 })]);
      const done = (await store().get('default', 'short', { withHistory: true }))!;
      const history = await store().history(done);
      expect(history.map((e) => [e.seq, e.status])).toEqual([
        [1, 'Enqueued'],
        [2, 'Dequeued'],
        [3, 'Running'],
        [4, 'Succeeded'],
      ]);
      expect(history.every((e) => e.tenant === 'default' && e.taskId === 'short')).toBe(true);
      expect(done).toMatchObject({ status: 'Succeeded', version: 4, returnPayload: 'ok', invokeCount: 1 });
      expect(done.expireAt).toBeInstanceOf(Date);
      expect(Math.floor(done.expireAt.getTime() / 60_000)).toBe(done.expireMinute);
    });

    it('leaves history out unless asked for, and the payload out of lists unless asked for', async () => {
      await apply([accept('listed')]);
      expect((await store().get('default', 'listed'))?.history).toBeUndefined();
      const query = {
        tenant: 'default',
        functionName: 'fn',
        prefix: 'listed',
        limit: 10,
        sortOrderByTime: 'desc',
      } as const;
      const withPayload = await store().list({ ...query, includePayload: true });
      expect(withPayload).toHaveLength(1);
      expect(withPayload[0]!.history).toBeUndefined();
      expect(withPayload[0]!.payload).toBe('cA==');
      expect((await store().list({ ...query, includePayload: false }))[0]!.payload).toBeUndefined();
      expect(await store().get('default', 'missing')).toBeUndefined();
    });

    it('reports a redelivered claim and a guarded update that lost as conflicts, changing nothing', async () => {
      await apply([accept('raced')]);
      const again = await apply([accept('raced')]);
      expect(again.conflicts).toEqual([]); // planned against the stored base: nothing to write
      const base = (await store().loadBases([taskDocumentId('default', 'raced')])) as Map<string, BaseDoc>;
      const stale = planBatch([laterEvent('raced', 'TaskDequeued', 2)], base, RETENTION_MS);
      const twice = planBatch([accept('raced')], new Map(), RETENTION_MS);
      // Another replica moves the task on first.
      await apply([laterEvent('raced', 'TaskDequeued', 3), laterEvent('raced', 'TaskStarted', 4)]);
      const id = taskDocumentId('default', 'raced');
      expect((await store().applyWrites(stale.history, stale.inserts, stale.writes)).conflicts).toEqual([id]);
      expect((await store().applyWrites(twice.history, twice.inserts, twice.writes)).conflicts).toEqual([id]);
      const doc = (await store().get('default', 'raced', { withHistory: true }))!;
      expect((await store().history(doc)).map((e) => e._id)).toEqual([
        'default:raced:enqueued',
        'raced-e3',
        'raced-e4',
      ]);
      expect(doc.status).toBe('Running');
    });

    it('lists by function, prefix, status, qualifier and time, in either order, page by page', async () => {
      await apply([
        accept('page-1', { functionName: 'pages', at: T0 + 1 }),
        accept('page-2', { functionName: 'pages', at: T0 + 2, qualifier: 'prod' }),
        accept('page-3', { functionName: 'pages', at: T0 + 3 }),
        accept('other-1', { functionName: 'pages', at: T0 + 3 }),
      ]);
      await apply([{ ...laterEvent('page-3', 'TaskDequeued', 5), functionName: 'pages' } as TaskEvent]);
      const base = { tenant: 'default', functionName: 'pages', includePayload: false } as const;
      const ids = (docs: { taskId: string }[]) => docs.map((d) => d.taskId);

      const first = await store().list({ ...base, prefix: 'page-', limit: 2, sortOrderByTime: 'asc' });
      expect(ids(first)).toEqual(['page-1', 'page-2']);
      const last = first.at(-1)!;
      const next = await store().list({
        ...base,
        prefix: 'page-',
        limit: 2,
        sortOrderByTime: 'asc',
        after: { t: last.startedTime, id: last._id },
      });
      expect(ids(next)).toEqual(['page-3']);
      expect(ids(await store().list({ ...base, limit: 10, sortOrderByTime: 'desc' }))).toEqual([
        'page-3',
        'other-1',
        'page-2',
        'page-1',
      ]);
      expect(
        ids(await store().list({ ...base, status: 'Dequeued', limit: 10, sortOrderByTime: 'asc' })),
      ).toEqual(['page-3']);
      expect(
        ids(
          await store().list({
            ...base,
            statuses: ['Enqueued'],
            qualifier: 'LATEST',
            limit: 10,
            sortOrderByTime: 'asc',
          }),
        ),
      ).toEqual(['page-1', 'other-1']);
      expect(
        ids(await store().list({ ...base, qualifier: 'prod', limit: 10, sortOrderByTime: 'asc' })),
      ).toEqual(['page-2']);
      expect(
        ids(
          await store().list({
            ...base,
            startedTimeBegin: T0 + 2,
            startedTimeEnd: T0 + 2,
            limit: 10,
            sortOrderByTime: 'asc',
          }),
        ),
      ).toEqual(['page-2']);

      expect(await store().count({ tenant: 'default', functionName: 'pages', prefix: 'page-' })).toBe(3);
      expect(await store().countByStatus('default', 'pages')).toEqual({ Enqueued: 3, Dequeued: 1 });
      expect(await store().count({ tenant: 'someone-else' })).toBe(0);
      const [p3] = await store().list({ ...base, prefix: 'page-3', limit: 1, sortOrderByTime: 'asc' });
      // page-1, page-2, and other-1 (due with page-3, its id first).
      expect(await store().countEnqueuedAhead('default', 'pages', p3!.dueAt, p3!._id)).toBe(3);
    });

    it('walks the Enqueued tasks accepted before a time, page by page (the sweeper)', async () => {
      await apply([
        accept('sweep-1', { functionName: 'swept', at: T0 - 60_000 }),
        accept('sweep-2', { functionName: 'swept', at: T0 - 59_000 }),
        accept('sweep-3', { functionName: 'swept', at: T0 - 58_000 }),
      ]);
      const seen: string[] = [];
      let after: { t: number; id: string } | undefined;
      do {
        const page = await store().findEnqueued(T0 - 1_000, 2, after);
        seen.push(...page.tasks.filter((t) => t.functionName === 'swept').map((t) => t.taskId));
        after = page.next;
      } while (after);
      expect(seen).toEqual(['sweep-1', 'sweep-2', 'sweep-3']);
    });

    it("keeps a delivery's status unless a later delivery superseded it", async () => {
      await apply([accept('delivered')]);
      const id = taskDocumentId('default', 'delivered');
      await store().startDelivery(id, 'd1');
      await store().startDelivery(id, 'd2');
      await store().finishDelivery(id, 'd1', 'failed');
      expect((await store().get('default', 'delivered'))?.destinationStatus).toBe('pending');
      await store().finishDelivery(id, 'd2', 'succeeded');
      expect((await store().get('default', 'delivered'))?.destinationStatus).toBe('succeeded');
      await store().setDestinationStatus(id, 'none');
      expect((await store().get('default', 'delivered'))?.destinationStatus).toBe('none');
    });
  });
}
