import { UsageError } from '../errors.js';

/** One function to deploy, from asyncfn.yaml, s.yaml or flags. */
export interface FunctionSpec {
  functionName: string;
  /** The directory zipped as the function's code (absolute). */
  codeDir: string;
  /** CreateFunction / UpdateFunction fields other than functionName and code. */
  config: Record<string, unknown>;
  /** PutAsyncInvokeConfig body, if the manifest has one. */
  asyncInvokeConfig?: Record<string, unknown>;
  /** Fields of the manifest asyncfn does not use, said once so nobody is surprised. */
  ignored: string[];
}

/** FC function fields asyncfn takes as they are. */
export const FUNCTION_FIELDS = [
  'description',
  'runtime',
  'handler',
  'timeout',
  'memorySize',
  'instanceConcurrency',
  'environmentVariables',
  'customRuntimeConfig',
  'instanceLifecycleConfig',
] as const;

export const ASYNC_CONFIG_FIELDS = [
  'asyncTask',
  'maxAsyncEventAgeInSeconds',
  'maxAsyncRetryAttempts',
  'destinationConfig',
] as const;

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function pick(source: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(fields.filter((f) => source[f] !== undefined).map((f) => [f, source[f]]));
}

/** The async config part of a manifest: FC's fields; `qualifier` LATEST is the only one asyncfn has. */
export function asyncConfigOf(
  value: unknown,
  where: string,
  ignored: string[],
): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) throw new UsageError(`${where}.asyncInvokeConfig: expected a mapping`);
  const { qualifier, ...rest } = value;
  if (qualifier !== undefined && qualifier !== 'LATEST') {
    throw new UsageError(
      `${where}.asyncInvokeConfig.qualifier: only LATEST is supported, not '${String(qualifier)}'`,
    );
  }
  for (const key of Object.keys(rest)) {
    if (!(ASYNC_CONFIG_FIELDS as readonly string[]).includes(key)) ignored.push(`asyncInvokeConfig.${key}`);
  }
  return pick(rest, ASYNC_CONFIG_FIELDS);
}
