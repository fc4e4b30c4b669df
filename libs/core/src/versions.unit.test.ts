import { describe, expect, it } from 'vitest';
import type { ApiError } from '@asyncfn/contracts';
import { type FunctionRecord } from '@asyncfn/contracts';
import {
  createAlias,
  deleteVersion,
  functionAtVersion,
  parseQualifier,
  publishVersion,
  resolveQualifier,
  updateAlias,
} from './versions.js';

const base = {
  tenant: 't',
  functionName: 'f',
  functionArn: 'arn',
  runtime: 'nodejs20',
  handler: 'index.handler',
  timeout: 3,
  memorySize: 128,
  instanceConcurrency: 1,
  environmentVariables: {},
  codeChecksum: 'c1',
  codeSize: 1,
  lastModifiedTime: 't1',
} as unknown as FunctionRecord;
const now = new Date(0);
const code = (err: unknown) => (err as ApiError).code;
const failsWith = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return code(err);
  }
  return 'no error';
};

describe('versions and aliases', () => {
  const v1 = publishVersion(base, 'one', now).record;
  const v2 = publishVersion({ ...v1, codeChecksum: 'c2', lastModifiedTime: 't2' }, '', now).record;

  it('snapshot the function; a version runs its snapshot, LATEST the function as it is', () => {
    expect(v2.versions!.map((v) => v.versionId)).toEqual(['1', '2']);
    expect(functionAtVersion(v2, '1')!.codeChecksum).toBe('c1');
    expect(functionAtVersion(v2, 'LATEST')!.codeChecksum).toBe('c2');
    expect(functionAtVersion(v2, undefined)!.codeChecksum).toBe('c2');
    expect(functionAtVersion(v2, '9')).toBeUndefined();
  });

  it('resolve qualifiers: versions, aliases and their weights', () => {
    const { record } = createAlias(
      v2,
      { aliasName: 'prod', versionId: '2', additionalVersionWeight: { '1': 0.25 } },
      now,
    );
    expect(resolveQualifier(record, 'LATEST')).toBe('LATEST');
    expect(resolveQualifier(record, '1')).toBe('1');
    expect(resolveQualifier(record, 'prod', () => 0.1)).toBe('1');
    expect(resolveQualifier(record, 'prod', () => 0.3)).toBe('2');
    expect(failsWith(() => resolveQualifier(record, 'nope'))).toBe('AliasNotFound');
    expect(failsWith(() => resolveQualifier(record, '7'))).toBe('VersionNotFound');
    expect(failsWith(() => parseQualifier('a b'))).toBe('InvalidArgument');
    expect(parseQualifier(undefined)).toBe('LATEST');
  });

  it("refuse weights on the alias's own version, unknown versions, and more than 1 in all", () => {
    expect(
      failsWith(() =>
        createAlias(v2, { aliasName: 'a', versionId: '2', additionalVersionWeight: { '2': 0.5 } }, now),
      ),
    ).toBe('AdditionalVersionContainsMajorVersion');
    expect(failsWith(() => createAlias(v2, { aliasName: 'a', versionId: '3' }, now))).toBe('VersionNotFound');
    expect(
      failsWith(() =>
        createAlias(v2, { aliasName: 'a', versionId: '2', additionalVersionWeight: { '1': 1.5 } }, now),
      ),
    ).toBe('InvalidArgument');
    const { record } = createAlias(v2, { aliasName: 'a', versionId: '2' }, now);
    expect(failsWith(() => createAlias(record, { aliasName: 'a', versionId: '2' }, now))).toBe(
      'AliasAlreadyExists',
    );
    expect(updateAlias(record, 'a', { versionId: '1' }, now).alias.versionId).toBe('1');
  });

  it('keep a version an alias uses; ids are never reused', () => {
    const { record } = createAlias(v2, { aliasName: 'a', versionId: '2' }, now);
    expect(failsWith(() => deleteVersion(record, '2'))).toBe('ResourceInUse');
    const without = deleteVersion(record, '1');
    expect(without.versions!.map((v) => v.versionId)).toEqual(['2']);
    expect(publishVersion(without, '', now).version.versionId).toBe('3');
  });
});
