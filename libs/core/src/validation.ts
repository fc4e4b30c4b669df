import { z } from 'zod';
import { ApiError } from '@asyncfn/contracts';
import { MNS_QUEUE_ARN } from './mns-queue.js';
import { parseWith as parse } from './parse-input.js';

/*
 * Validation of API input: pure, FC's ranges. Each parser returns typed values or throws an
 * ApiError('InvalidArgument') naming the field.
 */

import { FUNCTION_NAME } from './patterns.js';
import { destinationProblem } from './destination-arn.js';

export { ANY_TASK_ID, FUNCTION_NAME, QUALIFIER, TASK_ID } from './patterns.js';
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HANDLER = /^[A-Za-z0-9_./-]+\.[A-Za-z_$][A-Za-z0-9_$]*$/;

export const NODE_RUNTIMES = ['nodejs16', 'nodejs18', 'nodejs20', 'nodejs22'] as const;
export const CUSTOM_RUNTIMES = ['custom', 'custom.debian10', 'custom.debian11', 'custom.debian12'] as const;
/** FC's native Python runtimes (python3 is Python 3.6 on FC); all run on the executor's python3 by default. */
export const PYTHON_RUNTIMES = ['python3', 'python3.9', 'python3.10', 'python3.12'] as const;
export const RUNTIMES = [...NODE_RUNTIMES, ...PYTHON_RUNTIMES, ...CUSTOM_RUNTIMES] as const;
export const isNodeRuntime = (runtime: string) => (NODE_RUNTIMES as readonly string[]).includes(runtime);
export const isPythonRuntime = (runtime: string) => (PYTHON_RUNTIMES as readonly string[]).includes(runtime);
/** A runtime whose handler is `<file>.<function>` in the code (not a custom runtime's server). */
export const isNativeRuntime = (runtime: string) => isNodeRuntime(runtime) || isPythonRuntime(runtime);

const FUNCTION_NAME_RULE = '1-64 letters, digits, _ and -, not starting with a digit or -';
const SECONDS_1_86400 = 'an integer number of seconds, 1-86400';
const MEMORY_RULE = 'an integer number of MB, a multiple of 64 from 128 to 32768';
const CONCURRENCY_RULE = 'an integer, 1-200';
const EVENT_AGE_RULE = 'an integer number of seconds, 1-604800';
const RETRIES_RULE = 'an integer, 0-8';

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
  timeout: z
    .number(SECONDS_1_86400)
    .int(SECONDS_1_86400)
    .min(1, SECONDS_1_86400)
    .max(86_400, SECONDS_1_86400)
    .optional(),
  memorySize: z
    .number(MEMORY_RULE)
    .int(MEMORY_RULE)
    .min(128, MEMORY_RULE)
    .max(32_768, MEMORY_RULE)
    .multipleOf(64, MEMORY_RULE)
    .optional(),
  instanceConcurrency: z
    .number(CONCURRENCY_RULE)
    .int(CONCURRENCY_RULE)
    .min(1, CONCURRENCY_RULE)
    .max(200, CONCURRENCY_RULE)
    .optional(),
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
    functionName: z.string().regex(FUNCTION_NAME, FUNCTION_NAME_RULE),
    ...functionFields,
  })
  .strip();
const updateFunctionSchema = z
  .object({ ...functionFields, runtime: functionFields.runtime.optional() })
  .strip();

export type CreateFunctionInput = z.infer<typeof createFunctionSchema>;
export type UpdateFunctionInput = z.infer<typeof updateFunctionSchema>;

function checkHandler(runtime: string | undefined, handler: string | undefined): void {
  if (runtime && isNativeRuntime(runtime) && (!handler || !HANDLER.test(handler))) {
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
  if (!isNativeRuntime(input.runtime) && !input.customRuntimeConfig) {
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
      `functionName: '${name.slice(0, 80)}' is not a valid function name (${FUNCTION_NAME_RULE})`,
    );
  return name;
}

const destination = z.object({
  destination: z.string().superRefine((uri, ctx) => {
    const problem =
      destinationProblem(uri) ??
      (uri.startsWith('acs:mns:') && !MNS_QUEUE_ARN.test(uri)
        ? 'must be acs:mns:<region>:<account>:/queues/<queue>/messages (a queue name starts with a letter; letters, digits and -, up to 120)'
        : undefined);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
});

const asyncConfigSchema = z
  .object({
    asyncTask: z.boolean().optional(),
    maxAsyncEventAgeInSeconds: z
      .number(EVENT_AGE_RULE)
      .int(EVENT_AGE_RULE)
      .min(1, EVENT_AGE_RULE)
      .max(604_800, EVENT_AGE_RULE)
      .optional(),
    maxAsyncRetryAttempts: z
      .number(RETRIES_RULE)
      .int(RETRIES_RULE)
      .min(0, RETRIES_RULE)
      .max(8, RETRIES_RULE)
      .optional(),
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
