import { z } from 'zod';
import {
  ApiError,
  fcError,
  notFound,
  type AliasRecord,
  type FunctionRecord,
  type FunctionVersionRecord,
  type VersionSnapshot,
} from '@asyncfn/contracts';
import { QUALIFIER } from './patterns.js';

/*
 * FC's versions and aliases, pure: a version is a snapshot of the function's configuration and
 * code; an alias points at a version and may send a weighted share of invocations to others. A
 * qualifier (LATEST, a version id or an alias) resolves to a version when a task is accepted, and
 * the task runs that version's code from then on, whatever happens to LATEST.
 */

const LATEST = 'LATEST';

/** What a version runs, taken from the function now. */
export function snapshotOf(fn: FunctionRecord): VersionSnapshot {
  return {
    runtime: fn.runtime,
    handler: fn.handler,
    timeout: fn.timeout,
    memorySize: fn.memorySize,
    instanceConcurrency: fn.instanceConcurrency,
    environmentVariables: fn.environmentVariables,
    ...(fn.instanceLifecycleConfig ? { instanceLifecycleConfig: fn.instanceLifecycleConfig } : {}),
    ...(fn.customRuntimeConfig ? { customRuntimeConfig: fn.customRuntimeConfig } : {}),
    codeChecksum: fn.codeChecksum,
    codeSize: fn.codeSize,
    ...(fn.localDirectory ? { localDirectory: fn.localDirectory } : {}),
    lastModifiedTime: fn.lastModifiedTime,
  };
}

/** PublishFunctionVersion: the next id (ids are never reused). */
export function publishVersion(
  fn: FunctionRecord,
  description: string,
  now: Date,
): { record: FunctionRecord; version: FunctionVersionRecord } {
  const id = (fn.lastVersionId ?? 0) + 1;
  const iso = now.toISOString();
  const version: FunctionVersionRecord = {
    versionId: String(id),
    description,
    createdTime: iso,
    lastModifiedTime: iso,
    snapshot: snapshotOf(fn),
  };
  return { record: { ...fn, lastVersionId: id, versions: [...(fn.versions ?? []), version] }, version };
}

/** DeleteFunctionVersion: refused while an alias points at it. */
export function deleteVersion(fn: FunctionRecord, versionId: string): FunctionRecord {
  if (!fn.versions?.some((v) => v.versionId === versionId))
    throw notFound.version(fn.functionName, versionId);
  const user = fn.aliases?.find(
    (a) => a.versionId === versionId || Object.hasOwn(a.additionalVersionWeight, versionId),
  );
  if (user) {
    throw new ApiError(
      'ResourceInUse',
      `version '${versionId}' of function '${fn.functionName}' is used by alias '${user.aliasName}'`,
    );
  }
  const { qualifierAsyncConfigs, ...rest } = fn;
  const configs = { ...qualifierAsyncConfigs };
  delete configs[versionId];
  return {
    ...rest,
    versions: fn.versions.filter((v) => v.versionId !== versionId),
    ...(Object.keys(configs).length ? { qualifierAsyncConfigs: configs } : {}),
  };
}

const weights = z.record(z.string().regex(/^[0-9]{1,10}$/, 'keys are version ids'), z.number().min(0).max(1));
const aliasFields = {
  versionId: z.string().regex(/^[0-9]{1,10}$/, 'a published version id'),
  description: z.string().max(256).optional(),
  additionalVersionWeight: weights.optional(),
};
const createAliasSchema = z
  .object({
    aliasName: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_-]{0,127}$/, '1-128 letters, digits, _ and -, starting with a letter or _')
      .refine((name) => name !== LATEST, 'LATEST is reserved'),
    ...aliasFields,
  })
  .strip();
const updateAliasSchema = z.object({ ...aliasFields, versionId: aliasFields.versionId.optional() }).strip();

export type AliasInput = z.infer<typeof createAliasSchema>;
export type AliasUpdate = z.infer<typeof updateAliasSchema>;

function parseWith<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ApiError('InvalidArgument', `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
}
export const parseCreateAlias = (body: unknown) => parseWith(createAliasSchema, body);
export const parseUpdateAlias = (body: unknown) => parseWith(updateAliasSchema, body);

/** Checks an alias's targets: published versions, the weights not naming the main version, at most 1 in all. */
function checkTargets(fn: FunctionRecord, versionId: string, extra: Record<string, number>): void {
  const exists = (id: string) => fn.versions?.some((v) => v.versionId === id) ?? false;
  if (!exists(versionId)) throw notFound.version(fn.functionName, versionId);
  if (Object.hasOwn(extra, versionId)) {
    throw fcError('AdditionalVersionContainsMajorVersion', {
      weights: JSON.stringify(extra),
      version: versionId,
    });
  }
  for (const id of Object.keys(extra)) if (!exists(id)) throw notFound.version(fn.functionName, id);
  const total = Object.values(extra).reduce((a, b) => a + b, 0);
  if (total > 1 + 1e-9) {
    throw new ApiError(
      'InvalidArgument',
      `additionalVersionWeight: the weights add up to ${total}; at most 1`,
    );
  }
}

export function createAlias(
  fn: FunctionRecord,
  input: AliasInput,
  now: Date,
): { record: FunctionRecord; alias: AliasRecord } {
  if (fn.aliases?.some((a) => a.aliasName === input.aliasName)) {
    throw fcError('AliasAlreadyExists', { functionName: fn.functionName, aliasName: input.aliasName });
  }
  const extra = input.additionalVersionWeight ?? {};
  checkTargets(fn, input.versionId, extra);
  const iso = now.toISOString();
  const alias: AliasRecord = {
    aliasName: input.aliasName,
    versionId: input.versionId,
    description: input.description ?? '',
    additionalVersionWeight: extra,
    createdTime: iso,
    lastModifiedTime: iso,
  };
  return { record: { ...fn, aliases: [...(fn.aliases ?? []), alias] }, alias };
}

export function aliasOf(fn: FunctionRecord, aliasName: string): AliasRecord {
  const alias = fn.aliases?.find((a) => a.aliasName === aliasName);
  if (!alias) throw notFound.alias(fn.functionName, aliasName);
  return alias;
}

/** UpdateAlias: fields given replace the old ones. */
export function updateAlias(
  fn: FunctionRecord,
  aliasName: string,
  input: AliasUpdate,
  now: Date,
): { record: FunctionRecord; alias: AliasRecord } {
  const current = aliasOf(fn, aliasName);
  const alias: AliasRecord = {
    ...current,
    ...(input.versionId !== undefined ? { versionId: input.versionId } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.additionalVersionWeight !== undefined
      ? { additionalVersionWeight: input.additionalVersionWeight }
      : {}),
    lastModifiedTime: now.toISOString(),
  };
  checkTargets(fn, alias.versionId, alias.additionalVersionWeight);
  return {
    record: { ...fn, aliases: fn.aliases!.map((a) => (a.aliasName === aliasName ? alias : a)) },
    alias,
  };
}

export function deleteAlias(fn: FunctionRecord, aliasName: string): FunctionRecord {
  aliasOf(fn, aliasName);
  const { qualifierAsyncConfigs, ...rest } = fn;
  const configs = { ...qualifierAsyncConfigs };
  delete configs[aliasName];
  return {
    ...rest,
    aliases: fn.aliases!.filter((a) => a.aliasName !== aliasName),
    ...(Object.keys(configs).length ? { qualifierAsyncConfigs: configs } : {}),
  };
}

/** A qualifier as given (absent: LATEST), checked for form only. */
export function parseQualifier(value: unknown): string {
  if (value === undefined || value === '') return LATEST;
  if (typeof value !== 'string' || !QUALIFIER.test(value)) {
    throw new ApiError('InvalidArgument', 'qualifier: LATEST, a version id or an alias name');
  }
  return value;
}

/**
 * The version a qualifier names now: LATEST, a version id, or an alias's version (or, by its
 * weights, one of its additional versions; `random` in [0, 1) decides). Unknown: 404.
 */
export function resolveQualifier(
  fn: FunctionRecord,
  qualifier: string,
  random: () => number = Math.random,
): string {
  if (qualifier === LATEST) return LATEST;
  if (/^[0-9]+$/.test(qualifier)) {
    if (!fn.versions?.some((v) => v.versionId === qualifier))
      throw notFound.version(fn.functionName, qualifier);
    return qualifier;
  }
  const alias = aliasOf(fn, qualifier);
  let r = random();
  for (const [versionId, weight] of Object.entries(alias.additionalVersionWeight).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    if (r < weight) return versionId;
    r -= weight;
  }
  return alias.versionId;
}

/** Checks a qualifier exists (for configs and lookups: no weighted choice). */
export function checkQualifier(fn: FunctionRecord, qualifier: string): void {
  if (qualifier === LATEST) return;
  if (/^[0-9]+$/.test(qualifier)) {
    if (!fn.versions?.some((v) => v.versionId === qualifier))
      throw notFound.version(fn.functionName, qualifier);
    return;
  }
  aliasOf(fn, qualifier);
}

/**
 * The function as a version runs it: LATEST is the record itself; a published version is the
 * record with that version's snapshot. Undefined when the version was deleted.
 */
export function functionAtVersion(
  fn: FunctionRecord,
  versionId: string | undefined,
): FunctionRecord | undefined {
  if (versionId === undefined || versionId === LATEST) return fn;
  const version = fn.versions?.find((v) => v.versionId === versionId);
  if (!version) return undefined;
  const {
    localDirectory: _latestDir,
    instanceLifecycleConfig: _hooks,
    customRuntimeConfig: _custom,
    ...rest
  } = fn;
  return { ...rest, ...version.snapshot };
}

/** FC's Version shape. */
export const versionView = (v: FunctionVersionRecord) => ({
  versionId: v.versionId,
  description: v.description,
  createdTime: v.createdTime,
  lastModifiedTime: v.lastModifiedTime,
});
