import { createHash } from 'node:crypto';
import { functionArn, type AsyncConfig, type FunctionRecord } from '@asyncfn/contracts';
import type { AsyncConfigInput, CreateFunctionInput, UpdateFunctionInput } from './validation.js';
import { isNativeRuntime } from './validation.js';
import { ApiError } from '@asyncfn/contracts';

/** FC's defaults for fields a CreateFunction request leaves out. */
export const FUNCTION_DEFAULTS = { timeout: 3, memorySize: 128, instanceConcurrency: 1 } as const;

/** A function's code as its record describes it. */
export interface CodeSource {
  checksum: string;
  size: number;
  /** Extension (development): the code is this directory on the executors' host. */
  localDirectory?: string;
}

export interface DecodedCode extends CodeSource {
  zip: Buffer;
}

/** Decodes code.zipFile; a zip starts with "PK". */
export function decodeZip(zipFile: string): DecodedCode {
  const zip = Buffer.from(zipFile, 'base64');
  if (zip.length < 4 || zip[0] !== 0x50 || zip[1] !== 0x4b) {
    throw new ApiError('InvalidArgument', 'code.zipFile: not a base64-encoded zip archive');
  }
  return { zip, checksum: createHash('sha256').update(zip).digest('hex'), size: zip.length };
}

/**
 * code.localDirectory: the record names the directory; executors use it in place and version it
 * by its files (see the executor's code provider), so the checksum only identifies the path.
 */
export function localDirectoryCode(path: string): CodeSource {
  return {
    checksum: createHash('sha256').update(`local:${path}`).digest('hex'),
    size: 0,
    localDirectory: path,
  };
}

/** A new function's record; time and id come in, so this stays pure. */
export function buildFunctionRecord(
  tenant: string,
  input: CreateFunctionInput,
  code: CodeSource,
  context: { now: Date; functionId: string },
): FunctionRecord {
  const iso = context.now.toISOString();
  return {
    tenant,
    functionName: input.functionName,
    functionId: context.functionId,
    functionArn: functionArn(tenant, input.functionName),
    description: input.description ?? '',
    runtime: input.runtime,
    handler: input.handler ?? (isNativeRuntime(input.runtime) ? 'index.handler' : ''),
    timeout: input.timeout ?? FUNCTION_DEFAULTS.timeout,
    memorySize: input.memorySize ?? FUNCTION_DEFAULTS.memorySize,
    instanceConcurrency: input.instanceConcurrency ?? FUNCTION_DEFAULTS.instanceConcurrency,
    environmentVariables: input.environmentVariables ?? {},
    ...(input.internetAccess !== undefined ? { internetAccess: input.internetAccess } : {}),
    ...(input.instanceLifecycleConfig ? { instanceLifecycleConfig: input.instanceLifecycleConfig } : {}),
    ...(input.customRuntimeConfig ? { customRuntimeConfig: input.customRuntimeConfig } : {}),
    codeChecksum: code.checksum,
    codeSize: code.size,
    ...(code.localDirectory ? { localDirectory: code.localDirectory } : {}),
    createdTime: iso,
    lastModifiedTime: iso,
  };
}

/** UpdateFunction: fields given replace the old ones; the rest stay. */
export function applyFunctionUpdate(
  current: FunctionRecord,
  input: UpdateFunctionInput,
  code: CodeSource | undefined,
  now: Date,
): FunctionRecord {
  const { code: _code, ...fields } = input;
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  const { localDirectory: _previous, ...rest } = current;
  return {
    ...(code ? rest : current),
    ...defined,
    ...(code
      ? {
          codeChecksum: code.checksum,
          codeSize: code.size,
          ...(code.localDirectory ? { localDirectory: code.localDirectory } : {}),
        }
      : {}),
    lastModifiedTime: now.toISOString(),
  };
}

/**
 * PutAsyncInvokeConfig: the stored config is what was put, and only that (a PUT replaces the whole
 * config, as on FC; GetAsyncInvokeConfig returns it as put). Defaults apply where it is read.
 */
export function buildAsyncConfig(
  fn: FunctionRecord,
  input: AsyncConfigInput,
  now: Date,
  previous: AsyncConfig | undefined = fn.asyncConfig,
): AsyncConfig {
  const iso = now.toISOString();
  return {
    ...(input.asyncTask !== undefined ? { asyncTask: input.asyncTask } : {}),
    ...(input.maxAsyncEventAgeInSeconds !== undefined
      ? { maxAsyncEventAgeInSeconds: input.maxAsyncEventAgeInSeconds }
      : {}),
    ...(input.maxAsyncRetryAttempts !== undefined
      ? { maxAsyncRetryAttempts: input.maxAsyncRetryAttempts }
      : {}),
    ...(input.destinationConfig ? { destinationConfig: input.destinationConfig } : {}),
    functionArn: fn.functionArn,
    createdTime: previous?.createdTime ?? iso,
    lastModifiedTime: iso,
  };
}

/** Whether an async invocation becomes a recorded task: the config's asyncTask, else the server's default. */
export function taskModeOf(config: AsyncConfig | undefined, defaultTaskMode: boolean): boolean {
  return config?.asyncTask ?? defaultTaskMode;
}
