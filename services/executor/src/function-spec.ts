import type { FunctionRecord } from '@asyncfn/contracts';
import type { FunctionSpec } from '@asyncfn/runtime';

const DEFAULT_HOOK_TIMEOUT_S = 3;

/** The runtime's view of a function version. */
export function functionSpec(fn: FunctionRecord, codeDir: string): FunctionSpec {
  const hooks = fn.instanceLifecycleConfig;
  const hook = (h: { handler?: string; timeout?: number } | undefined) =>
    h?.handler ? { handler: h.handler, timeoutSeconds: h.timeout ?? DEFAULT_HOOK_TIMEOUT_S } : undefined;
  const initializer = hook(hooks?.initializer);
  const preStop = hook(hooks?.preStop);
  return {
    key: `${fn.tenant}/${fn.functionName}`,
    // Any update (code or config) is a new version: its instances replace the old ones.
    versionId: `${fn.codeChecksum.slice(0, 16)}@${fn.lastModifiedTime}`,
    codeDir,
    runtime: fn.runtime,
    handler: fn.handler,
    timeoutSeconds: fn.timeout,
    memorySizeMB: fn.memorySize,
    instanceConcurrency: fn.instanceConcurrency,
    environmentVariables: fn.environmentVariables,
    ...(initializer ? { initializer } : {}),
    ...(preStop ? { preStop } : {}),
  };
}
