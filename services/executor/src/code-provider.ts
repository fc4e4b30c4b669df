import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FunctionRecord } from '@asyncfn/contracts';
import type { FunctionStore } from '@asyncfn/mongo';
import { unpackCode } from '@asyncfn/runtime';
import { CodeUnavailableError } from './handle-run.js';

/**
 * A function version's code, unpacked once per executor into its code cache. Concurrent first
 * invocations of a version share one download.
 */
export function createCodeProvider(deps: { functions: Pick<FunctionStore, 'readCode'>; cacheDir: string }) {
  const inFlight = new Map<string, Promise<string>>();
  return async function codeDir(fn: FunctionRecord): Promise<string> {
    const versionId = `${fn.tenant}-${fn.codeChecksum}`;
    const dir = join(deps.cacheDir, versionId);
    if (existsSync(dir)) return dir;
    let pending = inFlight.get(versionId);
    if (!pending) {
      pending = (async () => {
        const zip = await deps.functions.readCode(fn.tenant, fn.codeChecksum);
        if (!zip)
          throw new CodeUnavailableError(
            `code ${fn.codeChecksum} of function '${fn.functionName}' is missing`,
          );
        return unpackCode(zip, deps.cacheDir, versionId);
      })().finally(() => inFlight.delete(versionId));
      inFlight.set(versionId, pending);
    }
    return pending;
  };
}
