import { fork, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import type { FunctionSpec } from './types.js';

export interface SpawnOptions {
  spec: FunctionSpec;
  instanceId: string;
  functionName: string;
  shimPath: string;
  execPath: string;
}

/**
 * Forks one instance process. The environment is built from scratch — never the executor's own,
 * which holds its credentials and NODE_OPTIONS (e.g. a tsx loader) — and the heap is capped at the
 * function's memory size, which is what makes a runaway function die of OOM instead of the host.
 */
export function spawnInstanceProcess(o: SpawnOptions): ChildProcess {
  const { spec } = o;
  const env: Record<string, string> = {
    PATH: `${dirname(o.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: tmpdir(),
    ...spec.environmentVariables,
    // FC's reserved variables win over the function's own, as in FC.
    FC_FUNCTION_NAME: o.functionName,
    FC_FUNCTION_HANDLER: spec.handler,
    FC_FUNCTION_MEMORY_SIZE: String(spec.memorySizeMB),
    FC_INSTANCE_ID: o.instanceId,
    FC_FUNC_CODE_PATH: spec.codeDir,
  };
  return fork(o.shimPath, [], {
    cwd: spec.codeDir,
    execPath: o.execPath,
    execArgv: [`--max-old-space-size=${Math.max(16, Math.floor(spec.memorySizeMB))}`],
    env,
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
}
