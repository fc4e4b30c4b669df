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

/** Directories searched for commands, for a custom runtime's `python3`, `bash`, ... */
export const STANDARD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * An instance's environment, built from scratch — never the executor's own, which holds its
 * credentials and NODE_OPTIONS (e.g. a tsx loader). The function's variables may override PATH;
 * FC's reserved variables (and `extra`) win over the function's own, as in FC.
 */
export function instanceEnv(
  o: Pick<SpawnOptions, 'spec' | 'instanceId' | 'functionName'>,
  path: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const { spec } = o;
  return {
    PATH: path,
    HOME: tmpdir(),
    ...spec.environmentVariables,
    FC_FUNCTION_NAME: o.functionName,
    FC_FUNCTION_HANDLER: spec.handler,
    FC_FUNCTION_MEMORY_SIZE: String(spec.memorySizeMB),
    FC_INSTANCE_ID: o.instanceId,
    FC_FUNC_CODE_PATH: spec.codeDir,
    ...extra,
  };
}

/**
 * Forks one Node instance process. The heap is capped at the function's memory size, which is what
 * makes a runaway function die of OOM instead of the host (the pool's RSS guard covers the rest).
 */
export function spawnInstanceProcess(o: SpawnOptions): ChildProcess {
  const { spec } = o;
  return fork(o.shimPath, [], {
    cwd: spec.codeDir,
    execPath: o.execPath,
    execArgv: [`--max-old-space-size=${Math.max(16, Math.floor(spec.memorySizeMB))}`],
    env: instanceEnv(o, `${dirname(o.execPath)}:/usr/local/bin:/usr/bin:/bin`),
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
}
