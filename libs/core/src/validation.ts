import { z } from 'zod';
import { parseTaskStatus, type TaskStatus } from '@asyncfn/contracts';
import { ApiError } from './errors.js';

/*
 * Validation of API input: pure, FC's ranges. Each parser returns typed values or throws an
 * ApiError('InvalidArgument') naming the field.
 */

export const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;
export const TASK_ID = /^[A-Za-z0-9_-]{1,128}$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HANDLER = /^[A-Za-z0-9_./-]+\.[A-Za-z_$][A-Za-z0-9_$]*$/;

export const NODE_RUNTIMES = ['nodejs16', 'nodejs18', 'nodejs20', 'nodejs22'] as const;
export const CUSTOM_RUNTIMES = ['custom', 'custom.debian10', 'custom.debian11', 'custom.debian12'] as const;
export const RUNTIMES = [...NODE_RUNTIMES, ...CUSTOM_RUNTIMES] as const;
export const isNodeRuntime = (runtime: string) => (NODE_RUNTIMES as readonly string[]).includes(runtime);

/** Destination URI schemes accepted in destinationConfig (delivered by the destination service). */
export const DESTINATION_SCHEME =
  /^(nats:[A-Za-z0-9_.>*-]+|kafka:[A-Za-z0-9._-]+|https?:\/\/\S+|function:[A-Za-z_][A-Za-z0-9_-]{0,127})$/;

function fail(error: z.ZodError): never {
  const issue = error.issues[0];
  const path = issue?.path.join('.') || 'body';
  throw new ApiError('InvalidArgument', `${path}: ${issue?.message ?? 'invalid'}`);
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) fail(result.error);
  return result.data;
}

const hook = z
  .object({
    handler: z.string().regex(HANDLER, 'must look like file.export').optional(),
    timeout: z.number().int().min(1).max(600).optional(),
    command: z.array(z.string()).optional(),
  })
  .strip();

const functionFields = {
  description: z.string().max(256).optional(),
  runtime: z.enum(RUNTIMES, { message: `must be one of ${RUNTIMES.join(', ')}` }),
  handler: z.string().max(128).optional(),
  timeout: z.number().int().min(1).max(86_400).optional(),
  memorySize: z.number().int().min(64).max(32_768).multipleOf(64).optional(),
  instanceConcurrency: z.number().int().min(1).max(200).optional(),
  /** FC: false = the function's instances have no network at all (default true). */
  internetAccess: z.boolean().optional(),
  environmentVariables: z
    .record(z.string().regex(ENV_KEY, 'environment variable names are letters, digits and _'), z.string())
    .optional(),
  instanceLifecycleConfig: z
    .object({ initializer: hook.optional(), preStop: hook.optional(), preFreeze: hook.optional() })
    .strip()
    .optional(),
  customRuntimeConfig: z
    .object({
      command: z.array(z.string().min(1)).min(1),
      args: z.array(z.string()).optional(),
      port: z.number().int().min(1).max(65_535).optional(),
    })
    .strip()
    .optional(),
  code: z
    .object({
      zipFile: z
        .string()
        .min(1)
        .regex(/^[A-Za-z0-9+/=\s]+$/, 'must be base64')
        .optional(),
      /** Extension for development: a directory on the executors' host, used in place. */
      localDirectory: z
        .string()
        .max(4096)
        .regex(/^\/[^\0]*$/, 'must be an absolute path')
        .optional(),
    })
    .strip()
    .refine((code) => !(code.zipFile && code.localDirectory), 'give zipFile or localDirectory, not both')
    .optional(),
};

const createFunctionSchema = z
  .object({
    functionName: z
      .string()
      .regex(FUNCTION_NAME, 'letters, digits, _ and -, 1-128, not starting with a digit or -'),
    ...functionFields,
  })
  .strip();
const updateFunctionSchema = z
  .object({ ...functionFields, runtime: functionFields.runtime.optional() })
  .strip();

export type CreateFunctionInput = z.infer<typeof createFunctionSchema>;
export type UpdateFunctionInput = z.infer<typeof updateFunctionSchema>;

function checkHandler(runtime: string | undefined, handler: string | undefined): void {
  if (runtime && isNodeRuntime(runtime) && (!handler || !HANDLER.test(handler))) {
    throw new ApiError(
      'InvalidArgument',
      `handler: a ${runtime} function needs a handler like index.handler`,
    );
  }
}

export function parseCreateFunction(body: unknown): CreateFunctionInput {
  const input = parse(createFunctionSchema, body);
  checkHandler(input.runtime, input.handler);
  if (!input.code?.zipFile && !input.code?.localDirectory) {
    throw new ApiError('InvalidArgument', 'code.zipFile: required (base64 of a zip), or code.localDirectory');
  }
  if (!isNodeRuntime(input.runtime) && !input.customRuntimeConfig) {
    throw new ApiError('InvalidArgument', 'customRuntimeConfig: required for a custom runtime');
  }
  return input;
}

export function parseUpdateFunction(body: unknown, currentRuntime: string): UpdateFunctionInput {
  const input = parse(updateFunctionSchema, body);
  if (input.handler !== undefined || input.runtime !== undefined) {
    checkHandler(input.runtime ?? currentRuntime, input.handler);
  }
  return input;
}

export function parseFunctionName(name: string): string {
  if (!FUNCTION_NAME.test(name))
    throw new ApiError(
      'InvalidArgument',
      `functionName: '${name.slice(0, 140)}' is not a valid function name`,
    );
  return name;
}

const destination = z.object({
  destination: z
    .string()
    .regex(DESTINATION_SCHEME, 'must be nats:<subject>, kafka:<topic>, http(s)://<url> or function:<name>'),
});

const asyncConfigSchema = z
  .object({
    asyncTask: z.boolean().optional(),
    maxAsyncEventAgeInSeconds: z.number().int().min(1).max(604_800).optional(),
    maxAsyncRetryAttempts: z.number().int().min(0).max(8).optional(),
    destinationConfig: z
      .object({
        onSuccess: destination.optional(),
        onFailure: destination.optional(),
        // Extension: wrap records as CloudEvents 1.0 (structured JSON).
        cloudEvents: z.boolean().optional(),
      })
      .strip()
      .optional(),
  })
  .strip();

export type AsyncConfigInput = z.infer<typeof asyncConfigSchema>;

export function parseAsyncConfig(body: unknown): AsyncConfigInput {
  return parse(asyncConfigSchema, body);
}

export function parseTaskId(value: string): string {
  if (!TASK_ID.test(value)) {
    throw new ApiError('InvalidArgument', 'x-fc-async-task-id: 1-128 characters of letters, digits, _ and -');
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
