import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import AdmZip from 'adm-zip';
import { InvalidCodePackageError } from './errors.js';

/** FC caps unpacked code at 500 MB; the same bound keeps a zip bomb from filling the disk. */
export const DEFAULT_MAX_UNPACKED_BYTES = 500 * 1024 * 1024;

export interface UnpackOptions {
  maxUnpackedBytes?: number;
  /**
   * The sandbox group (the tenant's gid) the code is for: the directory becomes root:<group>,
   * 0750 (files 0640, executables 0750), so only that tenant's sandboxes read it.
   */
  group?: number;
}

// Concurrent cold starts of one version share a single extraction.
const unpacking = new Map<string, Promise<string>>();

/**
 * Extracts a function version's zip into `<cacheRoot>/<versionId>/` and returns that dir. The
 * zip is extracted into a temp dir and renamed into place, so a dir under its final name is
 * always complete; an existing one is reused as is (a version's code never changes).
 */
export function unpackCode(
  zip: Buffer,
  cacheRoot: string,
  versionId: string,
  options: UnpackOptions = {},
): Promise<string> {
  // The version id becomes a path segment: it must not climb out of the cache root.
  if (!versionId || /[/\\\0]/.test(versionId) || versionId === '.' || versionId === '..') {
    return Promise.reject(new RangeError(`invalid versionId for a cache directory: '${versionId}'`));
  }
  const target = resolve(cacheRoot, versionId);
  const running = unpacking.get(target);
  if (running) return running;
  const job = unpackOnce(
    zip,
    cacheRoot,
    target,
    options.maxUnpackedBytes ?? DEFAULT_MAX_UNPACKED_BYTES,
    options.group,
  ).finally(() => unpacking.delete(target));
  unpacking.set(target, job);
  return job;
}

async function unpackOnce(
  zip: Buffer,
  cacheRoot: string,
  target: string,
  maxBytes: number,
  group: number | undefined,
): Promise<string> {
  if (await isDirectory(target)) return target;
  await mkdir(cacheRoot, { recursive: true, mode: 0o700 });
  const temp = resolve(cacheRoot, `.tmp-${randomBytes(6).toString('hex')}`);
  try {
    await extractInto(zip, temp, maxBytes);
    if (group !== undefined) await restrictTo(temp, group);
    try {
      await rename(temp, target);
    } catch (err) {
      // Another process renamed its own complete copy first: use that one.
      if (!(await isDirectory(target))) throw err;
    }
    return target;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

async function extractInto(zip: Buffer, dir: string, maxBytes: number): Promise<void> {
  let archive: AdmZip;
  try {
    archive = new AdmZip(zip);
  } catch (err) {
    throw new InvalidCodePackageError(`code package is not a valid zip: ${(err as Error).message}`, {
      cause: err,
    });
  }
  await mkdir(dir, { recursive: true });
  let total = 0;
  for (const entry of archive.getEntries()) {
    const path = safeEntryPath(dir, entry.entryName);
    if (entry.isDirectory) {
      await mkdir(path, { recursive: true });
      continue;
    }
    const data = readEntry(entry);
    total += data.length;
    if (total > maxBytes) {
      throw new InvalidCodePackageError(`code package unpacks to more than ${maxBytes} bytes`);
    }
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data);
  }
}

/** root:<group>, no access for others; executables keep their x bit for the group. */
async function restrictTo(dir: string, group: number): Promise<void> {
  await chown(dir, 0, group);
  await chmod(dir, 0o750);
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isSymbolicLink()) continue;
    await chown(path, 0, group);
    const executable = entry.isDirectory() || ((await stat(path)).mode & 0o111) !== 0;
    await chmod(path, executable ? 0o750 : 0o640);
  }
}

function readEntry(entry: AdmZip.IZipEntry): Buffer {
  try {
    return entry.getData();
  } catch (err) {
    throw new InvalidCodePackageError(`cannot read '${entry.entryName}' from the code package`, {
      cause: err,
    });
  }
}

/** Zip-slip guard: every entry must land inside `dir` (Windows-made zips use `\` as separator). */
function safeEntryPath(dir: string, entryName: string): string {
  const name = entryName.replaceAll('\\', '/');
  const path = resolve(dir, name);
  if (isAbsolute(name) || /^[A-Za-z]:/.test(name) || !path.startsWith(dir + sep)) {
    throw new InvalidCodePackageError(`code package entry '${entryName}' points outside the code directory`);
  }
  return path;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Zips a directory's contents (paths relative to it), e.g. a fixture function for a test. */
export function zipDirectory(dir: string): Buffer {
  const archive = new AdmZip();
  archive.addLocalFolder(dir);
  return archive.toBuffer();
}

/** Zips in-memory files, `{ 'index.js': 'exports.handler = ...' }`: the quickest code package. */
export function zipFiles(files: Record<string, string>): Buffer {
  const archive = new AdmZip();
  for (const [name, content] of Object.entries(files)) archive.addFile(name, Buffer.from(content));
  return archive.toBuffer();
}
