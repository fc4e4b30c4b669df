import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { spawned, type InstanceChannel, type OpenChannel } from './channel.js';
import { parseChildMessage, type ParentMessage } from './protocol.js';
import { CODE_DIR, type Bind } from './sandbox/command.js';
import type { Sandbox } from './sandbox/launcher.js';
import { forwardSpans, isSpansMessage } from './span-relay.js';
import { instanceEnv, spawnInstanceProcess } from './spawn-process.js';

/** Where the shim and the packages it loads (OpenTelemetry) are mounted in a sandbox. */
const SANDBOX_RUNTIME_DIR = '/opt/asyncfn/runtime';
const SANDBOX_MODULES_DIR = '/opt/asyncfn/node_modules';
const SANDBOX_NODE_DIR = '/opt/asyncfn/node';

/** A Node.js instance: `node-shim.mjs` forked with an IPC channel (see protocol.ts). */
export function nodeChannel(shimPath: string, execPath: string, sandbox?: Sandbox): OpenChannel {
  const binds = sandbox ? sandboxBinds(shimPath, execPath) : [];
  // A node installed outside /usr is bound at SANDBOX_NODE_DIR: run it from there.
  const node = execPath.startsWith('/usr/')
    ? execPath
    : join(SANDBOX_NODE_DIR, relative(dirname(dirname(execPath)), execPath));
  return async (o) => {
    const memoryFlag = `--max-old-space-size=${Math.max(16, Math.floor(o.spec.memorySizeMB))}`;
    const launched = sandbox
      ? await sandbox.launch({
          instanceId: o.instanceId,
          tenant: o.tenant,
          spec: o.spec,
          command: [node, memoryFlag, join(SANDBOX_RUNTIME_DIR, basename(shimPath))],
          env: instanceEnv(o, `${dirname(node)}:/usr/local/bin:/usr/bin:/bin`, {
            FC_FUNC_CODE_PATH: CODE_DIR,
            HOME: '/tmp',
          }),
          ipc: true,
          readOnly: binds,
          internet: o.spec.internetAccess !== false,
        })
      : undefined;
    const child = await spawned(
      launched?.child ??
        spawnInstanceProcess({
          spec: o.spec,
          instanceId: o.instanceId,
          functionName: o.functionName,
          shimPath,
          execPath,
        }),
    ).catch((err: Error) => {
      launched?.close();
      throw err;
    });
    child.on('message', (raw) => {
      // The function's spans come over IPC: a sandbox cannot reach the collector itself.
      if (isSpansMessage(raw)) return forwardSpans(raw.body, o.logger);
      const msg = parseChildMessage(raw);
      if (msg) o.onMessage(msg);
    });
    const channel: InstanceChannel = {
      child,
      send(msg: ParentMessage) {
        if (!child.connected) return;
        // With a callback, a closed channel is reported there instead of as an 'error' event.
        child.send(msg, (err) => {
          if (err) o.logger?.debug({ err, instanceId: o.instanceId, type: msg.type }, 'runtime: send failed');
        });
      },
      kill() {
        if (launched) return launched.kill();
        try {
          child.kill('SIGKILL');
        } catch (err) {
          o.logger?.debug({ err, instanceId: o.instanceId }, 'runtime: kill failed');
        }
      },
      close() {
        launched?.close();
      },
      ...(launched ? { stats: launched.stats, outOfMemory: launched.outOfMemory } : {}),
    };
    return channel;
  };
}

/**
 * What a sandboxed shim needs besides /usr: the shim's directory, the packages its tracing loads
 * (the executor's node_modules, read-only: public packages, nothing of the services' state), and
 * a node installed outside /usr.
 */
function sandboxBinds(shimPath: string, execPath: string): Bind[] {
  // The shim's directory (this package's source: the shim, its tracing import, nothing secret).
  const binds: Bind[] = [{ src: dirname(shimPath), dest: SANDBOX_RUNTIME_DIR }];
  const modules = nodeModulesOf(shimPath);
  if (modules) binds.push({ src: modules, dest: SANDBOX_MODULES_DIR });
  // A node of its own (e.g. deploy/local's, under the cache): at a neutral path, so the sandbox
  // shows no host directory names.
  if (!execPath.startsWith('/usr/')) binds.push({ src: dirname(dirname(execPath)), dest: SANDBOX_NODE_DIR });
  return binds;
}

function nodeModulesOf(shimPath: string): string | undefined {
  try {
    const api = createRequire(shimPath).resolve('@opentelemetry/api');
    return api.slice(0, api.lastIndexOf('/node_modules/') + '/node_modules'.length);
  } catch {
    return undefined;
  }
}
