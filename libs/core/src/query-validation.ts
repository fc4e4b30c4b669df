import { z } from 'zod';
import { ApiError, parseTaskStatus, type TaskStatus } from '@asyncfn/contracts';
import { parseWith as parse } from './parse-input.js';
import { TASK_ID } from './patterns.js';

/*
 * Validation of what requests carry besides bodies: task ids, the delay header, list and page
 * queries. Pure, FC's ranges; each parser returns typed values or throws InvalidArgument naming
 * the field.
 */

/** A task id: FC's rule for ids clients choose; `ANY_TASK_ID` for ids other services generate. */
export function parseTaskId(value: string, pattern: RegExp = TASK_ID): string {
  if (!pattern.test(value)) {
    throw new ApiError(
      'InvalidArgument',
      'x-fc-async-task-id: 1-128 letters, digits, _ and -, starting with a letter or _',
    );
  }
  return value;
}

/** x-fc-async-delay: seconds to keep the task Enqueued before it becomes due (0-3600). */
export function parseDelaySeconds(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 3600) {
    throw new ApiError('InvalidArgument', 'x-fc-async-delay: an integer number of seconds, 0-3600');
  }
  return n;
}

export interface ListTasksQuery {
  qualifier?: string;
  prefix?: string;
  status?: TaskStatus;
  startedTimeBegin?: number;
  startedTimeEnd?: number;
  limit: number;
  nextToken?: string;
  sortOrderByTime: 'asc' | 'desc';
  includePayload: boolean;
}

const epochMs = z.coerce.number().int().min(0);
const listSchema = z
  .object({
    prefix: z.string().max(128).optional(),
    status: z.string().optional(),
    startedTimeBegin: epochMs.optional(),
    startedTimeEnd: epochMs.optional(),
    limit: z.coerce.number().int().min(1).max(100).optional(),
    nextToken: z.string().max(512).optional(),
    sortOrderByTime: z.enum(['asc', 'desc']).optional(),
    includePayload: z.enum(['true', 'false']).optional(),
    qualifier: z.string().optional(),
  })
  .strip();

export function parseListTasksQuery(query: unknown): ListTasksQuery {
  const q = parse(listSchema, query);
  let status: TaskStatus | undefined;
  if (q.status !== undefined) {
    status = parseTaskStatus(q.status);
    if (!status)
      throw new ApiError('InvalidArgument', `status: unknown task status '${q.status.slice(0, 40)}'`);
  }
  return {
    ...(q.qualifier ? { qualifier: q.qualifier } : {}),
    ...(q.prefix ? { prefix: q.prefix } : {}),
    ...(status ? { status } : {}),
    ...(q.startedTimeBegin !== undefined ? { startedTimeBegin: q.startedTimeBegin } : {}),
    ...(q.startedTimeEnd !== undefined ? { startedTimeEnd: q.startedTimeEnd } : {}),
    ...(q.nextToken ? { nextToken: q.nextToken } : {}),
    limit: q.limit ?? 20,
    sortOrderByTime: q.sortOrderByTime ?? 'desc',
    includePayload: q.includePayload === 'true',
  };
}

const pageSchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).optional(),
    nextToken: z.string().max(512).optional(),
    prefix: z.string().max(128).optional(),
    functionName: z.string().max(128).optional(),
  })
  .strip();

export function parsePageQuery(query: unknown): {
  limit: number;
  nextToken?: string;
  prefix?: string;
  functionName?: string;
} {
  const q = parse(pageSchema, query);
  return { ...q, limit: q.limit ?? 20 };
}

export interface ListInstancesQuery {
  instanceStatus?: string[];
  instanceIds?: string[];
  /** Instances created in [startTimeMs, endTimeMs]. */
  startTimeMs?: number;
  endTimeMs?: number;
  /** The first instance id listed (inclusive; instances are listed by id). */
  startKey?: string;
  /** Absent: all of them. */
  limit?: number;
}

/** A JSON array of strings, as FC's SDK sends list parameters, a comma-separated list, or repeated. */
const stringList = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value, ctx) => {
    if (Array.isArray(value)) return value;
    if (value === undefined || value === '') return undefined;
    if (!value.startsWith('[')) return value.split(',').map((v) => v.trim());
    try {
      const list: unknown = JSON.parse(value);
      if (Array.isArray(list) && list.every((v) => typeof v === 'string')) return list as string[];
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: 'a JSON array of strings or a comma-separated list' });
    return z.NEVER;
  });

const listInstancesSchema = z
  .object({
    instanceStatus: stringList,
    instanceIds: stringList,
    startTimeMs: epochMs.optional(),
    endTimeMs: epochMs.optional(),
    startKey: z.string().max(128).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strip();

export function parseListInstancesQuery(query: unknown): ListInstancesQuery {
  const q = parse(listInstancesSchema, query);
  return Object.fromEntries(
    Object.entries(q).filter(([, v]) => v !== undefined && v !== ''),
  ) as ListInstancesQuery;
}
