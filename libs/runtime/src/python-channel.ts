import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpenChannel } from './channel.js';
import { STANDARD_PATH } from './spawn-process.js';
import type { FunctionSpec } from './types.js';

/** The Python side of a native Python instance (stdlib only), next to this file. */
export const PYTHON_SHIM_PATH = fileURLToPath(new URL('./python/fc_python_shim.py', import.meta.url));
/** Its directory, and where a sandbox sees it (read-only). */
const PYTHON_SHIM_DIR = dirname(PYTHON_SHIM_PATH);
const SANDBOX_PYTHON_DIR = '/opt/asyncfn/python';

/** How http-channel.ts words an initializer failure; the shim words its own (it also loads the handler). */
const INIT_PREFIX = 'Initializer failed: ';

/**
 * A native Python instance (`python3`, `python3.9`, `python3.10`, `python3.12`): the Python shim
 * (`python/fc_python_shim.py`) run by the host's interpreter as a custom-runtime server, through
 * the custom runtime's own channel — so spawning, sandboxing, readiness, hooks, timeouts, kills
 * and log capture are the custom runtime's. The shim gets the handler and hook names on its
 * command line (the HTTP protocol names only the initializer), and `/initialize` is always sent:
 * it loads the handler, so an unloadable module fails the cold start as `InitializationError`
 * and discards the instance, as for Node.
 */
export function pythonChannel(customChannel: OpenChannel, python: string): OpenChannel {
  return async (o) => {
    const channel = await customChannel({
      ...o,
      spec: {
        ...o.spec,
        customRuntime: {
          command: [python, '-u', '-B', PYTHON_SHIM_PATH, ...shimArgs(o.spec)],
          binds: [{ src: PYTHON_SHIM_DIR, dest: SANDBOX_PYTHON_DIR }],
        },
      },
      onMessage(msg) {
        if (msg.type === 'initError' && msg.errorMessage.startsWith(INIT_PREFIX)) {
          o.onMessage({ ...msg, errorMessage: msg.errorMessage.slice(INIT_PREFIX.length) });
        } else o.onMessage(msg);
      },
    });
    return {
      child: channel.child,
      kill: () => channel.kill(),
      close: () => channel.close(),
      send(msg) {
        // An initializer name makes the custom channel POST /initialize; the shim takes the real
        // one (or none) from its command line.
        channel.send(
          msg.type === 'initialize' ? { ...msg, initializer: msg.initializer ?? msg.handler } : msg,
        );
      },
    };
  };
}

function shimArgs(spec: FunctionSpec): string[] {
  return [
    '--handler',
    spec.handler,
    ...(spec.initializer ? ['--initializer', spec.initializer.handler] : []),
    ...(spec.preFreeze ? ['--pre-freeze', spec.preFreeze.handler] : []),
    ...(spec.preStop ? ['--pre-stop', spec.preStop.handler] : []),
  ];
}

/**
 * The interpreter for a Python runtime: `pythonBinaries[runtime]`, else `pythonBinaries.python3`,
 * else the first `python3` on the standard system path, then on the executor's own PATH.
 * Resolved to an absolute path here, so a function's own PATH variable cannot swap it.
 */
export function pythonBinaryFor(runtime: string, pythonBinaries: Record<string, string> | undefined): string {
  const mapped = pythonBinaries?.[runtime] ?? pythonBinaries?.python3;
  if (mapped) return mapped;
  const dirs = [...STANDARD_PATH.split(':'), ...(process.env.PATH ?? '').split(delimiter)];
  for (const dir of dirs) {
    if (dir && existsSync(join(dir, 'python3'))) return join(dir, 'python3');
  }
  return 'python3';
}
