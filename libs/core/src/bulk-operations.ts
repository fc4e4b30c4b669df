import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  ALL_TASK_STATUSES,
  BULK_ACTIONS,
  isTerminal,
  parseTaskStatus,
  type BulkAction,
  type BulkFilter,
  type BulkOperationDocument,
  type TaskStatus,
} from '@asyncfn/contracts';
import { ApiError, type BulkOperationView } from '@asyncfn/contracts';
import { FUNCTION_NAME } from './validation.js';

/*
 * Bulk stop and bulk re-run by filter (asyncfn extension): request validation, which tasks an
 * operation walks, the ids of re-run tasks, and the API view. Pure: ids and times come in.
 */

export interface BulkOperationRequest {
  action: BulkAction;
  filter: BulkFilter;
  dryRun: boolean;
}

const PREFIX = /^[A-Za-z0-9_-]{1,128}$/;
const epochMs = z.number().int().min(0).max(8_640_000_000_000_000);

const requestSchema = z
  .object({
    action: z.enum(BULK_ACTIONS as [BulkAction, ...BulkAction[]], {
      message: `must be one of ${BULK_ACTIONS.join(', ')}`,
    }),
    functionName: z.string().regex(FUNCTION_NAME, 'not a function name').optional(),
    status: z.string().max(40).optional(),
    prefix: z.string().regex(PREFIX, 'a task id prefix: 1-128 letters, digits, _ and -').optional(),
    startedTimeBegin: epochMs.optional(),
    startedTimeEnd: epochMs.optional(),
    dryRun: z.boolean().optional(),
  })
  .strict();

/** The body of POST /async-task-bulk-operations, or InvalidArgument naming the field. */
export function parseBulkOperationRequest(body: unknown): BulkOperationRequest {
  const result = requestSchema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.') || 'body';
    throw new ApiError('InvalidArgument', `${field}: ${issue?.message ?? 'invalid'}`);
  }
  const b = result.data;
  let status: TaskStatus | undefined;
  if (b.status !== undefined) {
    status = parseTaskStatus(b.status);
    if (!status) throw new ApiError('InvalidArgument', `status: unknown task status '${b.status}'`);
    const applicable = applicableStatuses(b.action);
    if (!applicable.includes(status)) {
      throw new ApiError(
        'InvalidArgument',
        `status: ${b.action} applies to tasks that are ${applicable.join(', ')}; not ${status}`,
      );
    }
  }
  if (
    b.startedTimeBegin !== undefined &&
    b.startedTimeEnd !== undefined &&
    b.startedTimeBegin > b.startedTimeEnd
  ) {
    throw new ApiError('InvalidArgument', 'startedTimeBegin: must not be after startedTimeEnd');
  }
  const filter: BulkFilter = {
    ...(b.functionName !== undefined ? { functionName: b.functionName } : {}),
    ...(status !== undefined ? { status } : {}),
    ...(b.prefix !== undefined ? { prefix: b.prefix } : {}),
    ...(b.startedTimeBegin !== undefined ? { startedTimeBegin: b.startedTimeBegin } : {}),
    ...(b.startedTimeEnd !== undefined ? { startedTimeEnd: b.startedTimeEnd } : {}),
  };
  return { action: b.action, filter, dryRun: b.dryRun ?? false };
}

/** Stop acts on unfinished tasks, Rerun on finished ones: a filter never reaches the others. */
export function applicableStatuses(action: BulkAction): readonly TaskStatus[] {
  switch (action) {
    case 'Stop':
      return ALL_TASK_STATUSES.filter((s) => !isTerminal(s));
    case 'Rerun':
      return ALL_TASK_STATUSES.filter((s) => isTerminal(s));
    default: {
      const never: never = action;
      throw new Error(`unknown bulk action ${String(never)}`);
    }
  }
}

export interface BulkTaskQuery {
  functionName?: string;
  prefix?: string;
  statuses: readonly TaskStatus[];
  startedTimeBegin?: number;
  startedTimeEnd: number;
}

/**
 * The tasks an operation walks. Bounded by its creation time, so the tasks a re-run creates (and
 * anything accepted later) are never part of it, and a resumed operation walks the same set.
 */
export function bulkTaskQuery(
  op: Pick<BulkOperationDocument, 'action' | 'filter' | 'createdTime'>,
): BulkTaskQuery {
  const { filter } = op;
  return {
    ...(filter.functionName !== undefined ? { functionName: filter.functionName } : {}),
    ...(filter.prefix !== undefined ? { prefix: filter.prefix } : {}),
    statuses: filter.status !== undefined ? [filter.status] : applicableStatuses(op.action),
    ...(filter.startedTimeBegin !== undefined ? { startedTimeBegin: filter.startedTimeBegin } : {}),
    startedTimeEnd: Math.min(filter.startedTimeEnd ?? op.createdTime, op.createdTime),
  };
}

/**
 * The id of the task a bulk re-run makes of `taskId`: derived, so an operation resumed after a
 * restart gets 409 (already done) for a task it re-ran before, instead of running it twice.
 * `<taskId>-rerun-<tag>`; an id too long for that keeps its start and a hash of the whole.
 */
export function bulkRerunTaskId(taskId: string, operationId: string): string {
  const tag = operationId
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(-8)
    .toLowerCase();
  const suffix = `-rerun-${tag}`;
  if (taskId.length + suffix.length <= 128) return taskId + suffix;
  const hash = createHash('sha256').update(taskId).digest('hex').slice(0, 10);
  return `${taskId.slice(0, 128 - suffix.length - hash.length - 1)}-${hash}${suffix}`;
}

/** The API's view of an operation (its shape: the contracts' BulkOperationSchema). */
export type { BulkOperationView };

export function bulkOperationView(doc: BulkOperationDocument): BulkOperationView {
  return {
    operationId: doc.operationId,
    action: doc.action,
    filter: doc.filter,
    state: doc.state,
    matched: doc.matched,
    succeeded: doc.succeeded,
    failed: doc.failed,
    createdTime: doc.createdTime,
    updatedTime: doc.updatedTime,
    ...(doc.finishedTime !== undefined ? { finishedTime: doc.finishedTime } : {}),
    ...(doc.lastError ? { lastError: doc.lastError } : {}),
  };
}
