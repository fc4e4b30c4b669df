import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FunctionRecord } from '@asyncfn/contracts';
import type { FunctionStore } from '@asyncfn/mongo';
import { unpackCode } from '@asyncfn/runtime';

/** The function's code cannot be had (missing zip, unreadable local directory): the task is invalid. */
export class CodeUnavailableError extends Error {
  override readonly name = 'CodeUnavailableError';
}

/** Where a function version's code is, and the version instances are shared under. */
export interface FunctionCode {
  dir: string;
  /** Changes on every update of the function (code or config) and, for a local directory, of its files. */
  versionId: string;
}

export type CodeProvider = (fn: FunctionRecord) => Promise<FunctionCode>;

export interface CodeCache extends CodeProvider {
  /** Removes a deleted function's unpacked code from the cache (every version of it). */
  forget(tenant: string, functionName: string): Promise<void>;
}

/** A local directory's fingerprint is reused this long, so a burst of invocations walks it once. */
const LOCAL_FINGERPRINT_TTL_MS = 1_000;
/** A walk stops after this many entries: a development directory, not a file system. */
const LOCAL_MAX_ENTRIES = 20_000;

/**
 * A function version's code: a zip unpacked once per executor into its code cache (concurrent
 * first invocations share one download), or — the development extension — a local directory used
 * in place, versioned by its files' sizes and modification times so an edit starts new instances.
 */
export function createCodeProvider(deps: {
  functions: Pick<FunctionStore, 'readCode'>;
  cacheDir: string;
  /** The tenant's sandbox gid: its code is readable by that group only (undefined: no sandbox). */
  groupOf?: (tenant: string) => number | undefined;
  clock?: () => number;
}): CodeCache {
  const clock = deps.clock ?? Date.now;
  const inFlight = new Map<string, Promise<string>>();
  const fingerprints = new Map<string, { at: number; value: Promise<string> }>();

  /** `<cache>/<tenant>/<function>/`: a function's versions, removed together when it is deleted. */
  const functionDir = (tenant: string, functionName: string) => join(deps.cacheDir, tenant, functionName);

  async function unpacked(fn: FunctionRecord): Promise<string> {
    const root = functionDir(fn.tenant, fn.functionName);
    const cacheKey = join(root, fn.codeChecksum);
    const dir = cacheKey;
    if (existsSync(dir)) return dir;
    let pending = inFlight.get(cacheKey);
    if (!pending) {
      pending = (async () => {
        const zip = await deps.functions.readCode(fn.tenant, fn.codeChecksum);
        if (!zip)
          throw new CodeUnavailableError(
            `code ${fn.codeChecksum} of function '${fn.functionName}' is missing`,
          );
        const group = deps.groupOf?.(fn.tenant);
        return unpackCode(zip, root, fn.codeChecksum, group !== undefined ? { group } : {});
      })().finally(() => inFlight.delete(cacheKey));
      inFlight.set(cacheKey, pending);
    }
    return pending;
  }

  function fingerprint(dir: string): Promise<string> {
    const cached = fingerprints.get(dir);
    if (cached && clock() - cached.at < LOCAL_FINGERPRINT_TTL_MS) return cached.value;
    const value = fingerprintOf(dir);
    fingerprints.set(dir, { at: clock(), value });
    value.catch(() => fingerprints.delete(dir));
    return value;
  }

  const code = async function code(fn: FunctionRecord): Promise<FunctionCode> {
    // Any update (code or config) is a new version: its instances replace the old ones.
    if (fn.localDirectory) {
      const dir = fn.localDirectory;
      return { dir, versionId: `local-${await fingerprint(dir)}@${fn.lastModifiedTime}` };
    }
    return { dir: await unpacked(fn), versionId: zipVersion(fn) };
  };
  return Object.assign(code, {
    async forget(tenant: string, functionName: string) {
      await rm(functionDir(tenant, functionName), { recursive: true, force: true });
    },
  });
}

/** The version of a zip-deployed function, known from its record alone. */
export function zipVersion(fn: FunctionRecord): string {
  return `${fn.codeChecksum.slice(0, 16)}@${fn.lastModifiedTime}`;
}

/** Hash of every file's path, size and mtime under `dir` (skipping .git), breadth first. */
async function fingerprintOf(root: string): Promise<string> {
  const hash = createHash('sha256');
  const queue = [root];
  let entries = 0;
  try {
    for (let dir = queue.shift(); dir !== undefined; dir = queue.shift()) {
      const items = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
        a.name.localeCompare(b.name),
      );
      for (const item of items) {
        if (++entries > LOCAL_MAX_ENTRIES) return hash.digest('hex').slice(0, 16);
        const path = join(dir, item.name);
        if (item.isDirectory()) {
          if (item.name !== '.git') queue.push(path);
        } else {
          const info = await stat(path).catch(() => undefined);
          if (info) hash.update(`${path}\0${info.size}\0${info.mtimeMs}\n`);
        }
      }
    }
  } catch (err) {
    throw new CodeUnavailableError(`local directory '${root}' cannot be read: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return hash.digest('hex').slice(0, 16);
}
