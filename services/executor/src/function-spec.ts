import type { FunctionRecord, LifecycleHook as HookConfig } from '@asyncfn/contracts';
import type { FunctionSpec, LifecycleHook } from '@asyncfn/runtime';
import type { FunctionCode } from './code-provider.js';

/** FC's default timeout of a lifecycle hook, seconds. */
const DEFAULT_HOOK_TIMEOUT_S = 3;

/**
 * A configured hook: a Node handler `file.export`, or for a custom runtime any `handler` or
 * `command` (the hook itself is an HTTP path on the function's server).
 */
function hook(h: HookConfig | undefined): LifecycleHook | undefined {
  const handler = h?.handler ?? h?.command?.join(' ');
  return handler ? { handler, timeoutSeconds: h?.timeout ?? DEFAULT_HOOK_TIMEOUT_S } : undefined;
}

/** The runtime's view of a function version. */
export function functionSpec(fn: FunctionRecord, code: FunctionCode): FunctionSpec {
  const hooks = fn.instanceLifecycleConfig;
  const initializer = hook(hooks?.initializer);
  const preFreeze = hook(hooks?.preFreeze);
  const preStop = hook(hooks?.preStop);
  return {
    key: `${fn.tenant}/${fn.functionName}`,
    versionId: code.versionId,
    codeDir: code.dir,
    runtime: fn.runtime,
    handler: fn.handler,
    timeoutSeconds: fn.timeout,
    memorySizeMB: fn.memorySize,
    instanceConcurrency: fn.instanceConcurrency,
    environmentVariables: fn.environmentVariables,
    ...(fn.internetAccess !== undefined ? { internetAccess: fn.internetAccess } : {}),
    ...(fn.customRuntimeConfig
      ? {
          customRuntime: {
            command: fn.customRuntimeConfig.command,
            ...(fn.customRuntimeConfig.args ? { args: fn.customRuntimeConfig.args } : {}),
            ...(fn.customRuntimeConfig.port !== undefined ? { port: fn.customRuntimeConfig.port } : {}),
          },
        }
      : {}),
    ...(initializer ? { initializer } : {}),
    ...(preFreeze ? { preFreeze } : {}),
    ...(preStop ? { preStop } : {}),
  };
}
