export type { BulkFilter } from './schemas/bulk-operations.js';
import type { BulkFilter } from './schemas/bulk-operations.js';

/*
 * Bulk operations (asyncfn extension): stop or re-run every task a filter matches. The operation
 * is a MongoDB document with its progress cursor, so a service that restarts midway resumes it.
 */

export const BulkAction = { Stop: 'Stop', Rerun: 'Rerun' } as const;
export type BulkAction = (typeof BulkAction)[keyof typeof BulkAction];
export const BULK_ACTIONS = Object.values(BulkAction) as readonly BulkAction[];

export const BulkOperationState = {
  /** Counted only: nothing was done. */
  DryRun: 'DryRun',
  Running: 'Running',
  Completed: 'Completed',
  /** Gave up (an error other than a task's own, e.g. the database): see `error`. */
  Failed: 'Failed',
} as const;
export type BulkOperationState = (typeof BulkOperationState)[keyof typeof BulkOperationState];

/** Tasks are walked in (startedTime, _id) order; the cursor is the last one acted on. */
export interface BulkCursor {
  t: number;
  id: string;
}

export interface BulkOperationDocument {
  /** `<tenant>:<operationId>` */
  _id: string;
  tenant: string;
  operationId: string;
  action: BulkAction;
  filter: BulkFilter;
  state: BulkOperationState;
  /** Tasks the filter matched when the operation started; when it ends, the tasks it acted on. */
  matched: number;
  succeeded: number;
  failed: number;
  createdTime: number;
  updatedTime: number;
  finishedTime?: number;
  cursor?: BulkCursor;
  /** The runner holding the operation, until leaseUntil; another may take it over after that. */
  owner?: string;
  leaseUntil?: number;
  /** The last error of a task it could not act on (failed > 0), or why the operation Failed. */
  lastError?: { taskId?: string; code: string; message: string };
}
