import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import AdmZip from 'adm-zip';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unpackCode, zipDirectory, zipFiles } from './code-cache.js';
import { InvalidCodePackageError } from './errors.js';
import { createSandbox, type Sandbox } from './test-support.js';

let box: Sandbox;
beforeEach(async () => {
  box = await createSandbox();
});
afterEach(() => box.cleanup());

/** adm-zip sanitises names when writing, so a zip-slip entry is made by patching the bytes. */
function zipWithEntryName(evilName: string): Buffer {
  const placeholder = 'A'.repeat(evilName.length);
  const zip = new AdmZip();
  zip.addFile('index.js', Buffer.from('exports.handler = async () => 1;'));
  zip.addFile(placeholder, Buffer.from('pwned'));
  return Buffer.from(zip.toBuffer().toString('latin1').replaceAll(placeholder, evilName), 'latin1');
}

describe('unpackCode', () => {
  it('extracts into <cacheRoot>/<versionId>, nested paths included', async () => {
    const cache = join(box.root, 'cache');
    const dir = await unpackCode(zipFiles({ 'index.js': 'a', 'lib/util.js': 'b' }), cache, 'v1');
    expect(dir).toBe(join(cache, 'v1'));
    expect(await readFile(join(dir, 'index.js'), 'utf8')).toBe('a');
    expect(await readFile(join(dir, 'lib/util.js'), 'utf8')).toBe('b');
    expect(await readdir(cache)).toEqual(['v1']); // no temp dir left behind
  });

  it('reuses an existing version dir instead of extracting again', async () => {
    const cache = join(box.root, 'cache');
    const dir = await unpackCode(zipFiles({ 'index.js': 'first' }), cache, 'v1');
    const again = await unpackCode(zipFiles({ 'index.js': 'second' }), cache, 'v1');
    expect(again).toBe(dir);
    expect(await readFile(join(dir, 'index.js'), 'utf8')).toBe('first');
  });

  it('concurrent unpacks of one version share the result', async () => {
    const cache = join(box.root, 'cache');
    const zip = zipFiles({ 'index.js': 'x' });
    const dirs = await Promise.all([1, 2, 3, 4].map(() => unpackCode(zip, cache, 'v1')));
    expect(new Set(dirs).size).toBe(1);
    expect(await readdir(cache)).toEqual(['v1']);
  });

  it.each(['../evil.txt', '/tmp/evil.txt', 'a/../../evil'])('rejects the zip-slip entry %s', async (name) => {
    const cache = join(box.root, 'cache');
    await expect(unpackCode(zipWithEntryName(name), cache, 'v1')).rejects.toBeInstanceOf(
      InvalidCodePackageError,
    );
    expect(await readdir(cache)).toEqual([]); // neither the version dir nor a temp dir
    await expect(stat(join(box.root, 'evil.txt'))).rejects.toThrow();
  });

  it('rejects a buffer that is not a zip', async () => {
    await expect(unpackCode(Buffer.from('not a zip'), box.root, 'v1')).rejects.toBeInstanceOf(
      InvalidCodePackageError,
    );
  });

  it('rejects a package that unpacks beyond the size limit', async () => {
    const zip = zipFiles({ 'big.txt': 'x'.repeat(10_000) });
    await expect(unpackCode(zip, box.root, 'v1', { maxUnpackedBytes: 1000 })).rejects.toThrow(
      /more than 1000 bytes/,
    );
  });

  it('refuses a versionId that is not a single path segment', async () => {
    await expect(unpackCode(zipFiles({ a: 'b' }), box.root, '../v1')).rejects.toBeInstanceOf(RangeError);
  });
});

describe('zipDirectory', () => {
  it('round-trips a directory through unpackCode', async () => {
    const src = join(box.root, 'src');
    await mkdir(join(src, 'lib'), { recursive: true });
    await writeFile(join(src, 'index.js'), 'top');
    await writeFile(join(src, 'lib', 'x.js'), 'nested');
    const dir = await unpackCode(zipDirectory(src), join(box.root, 'cache'), 'v1');
    expect(await readFile(join(dir, 'index.js'), 'utf8')).toBe('top');
    expect(await readFile(join(dir, 'lib', 'x.js'), 'utf8')).toBe('nested');
  });
});
