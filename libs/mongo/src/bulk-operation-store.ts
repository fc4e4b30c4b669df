import type { Db, Filter } from 'mongodb';
import type { BulkCursor, BulkOperationDocument, Names } from '@asyncfn/contracts';

export const bulkOperationDocumentId = (tenant: string, operationId: string) => `${tenant}:${operationId}`;

export interface BulkProgress {
  cursor?: BulkCursor;
  succeeded: number;
  failed: number;
  lastError?: BulkOperationDocument['lastError'];
}

/**
 * Bulk operations and their progress. A runner holds an operation under a lease it renews with
 * each progress write; an operation whose lease ran out (its runner died) is taken over by another
 * runner, which resumes from the saved cursor. Writes are guarded by the owner, so a runner that
 * lost its lease stops writing.
 */
export interface BulkOperationStore {
  create(doc: BulkOperationDocument): Promise<void>;
  get(tenant: string, operationId: string): Promise<BulkOperationDocument | undefined>;
  /** Takes over one Running operation whose lease has run out, or undefined if there is none. */
  claimExpired(owner: string, now: number, leaseMs: number): Promise<BulkOperationDocument | undefined>;
  /** Saves progress and renews the lease; false if the operation is no longer this owner's. */
  saveProgress(
    id: string,
    owner: string,
    progress: BulkProgress,
    now: number,
    leaseMs: number,
  ): Promise<boolean>;
  finish(
    id: string,
    owner: string,
    end: BulkProgress & { state: 'Completed' | 'Failed'; matched: number },
    now: number,
  ): Promise<boolean>;
}

export function createBulkOperationStore(db: Db, names: Names): BulkOperationStore {
  const ops = db.collection<BulkOperationDocument>(names.collections.bulkOperations);
  const progressSet = (p: BulkProgress, now: number) => ({
    succeeded: p.succeeded,
    failed: p.failed,
    updatedTime: now,
    ...(p.cursor ? { cursor: p.cursor } : {}),
    ...(p.lastError ? { lastError: p.lastError } : {}),
  });
  return {
    async create(doc) {
      await ops.insertOne(doc);
    },
    async get(tenant, operationId) {
      return (await ops.findOne({ _id: bulkOperationDocumentId(tenant, operationId) })) ?? undefined;
    },
    async claimExpired(owner, now, leaseMs) {
      const filter: Filter<BulkOperationDocument> = { state: 'Running', leaseUntil: { $lt: now } };
      const doc = await ops.findOneAndUpdate(
        filter,
        { $set: { owner, leaseUntil: now + leaseMs } },
        { sort: { createdTime: 1 }, returnDocument: 'after' },
      );
      return doc ?? undefined;
    },
    async saveProgress(id, owner, progress, now, leaseMs) {
      const result = await ops.updateOne(
        { _id: id, owner, state: 'Running' },
        { $set: { ...progressSet(progress, now), leaseUntil: now + leaseMs } },
      );
      return result.matchedCount === 1;
    },
    async finish(id, owner, end, now) {
      const result = await ops.updateOne(
        { _id: id, owner, state: 'Running' },
        {
          $set: { ...progressSet(end, now), state: end.state, matched: end.matched, finishedTime: now },
          $unset: { owner: '', leaseUntil: '' },
        },
      );
      return result.matchedCount === 1;
    },
  };
}
