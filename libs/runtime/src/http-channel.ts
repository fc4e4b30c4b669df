import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { spawned, type InstanceChannel, type OpenChannel } from './channel.js';
import {
  canConnect,
  createFcHttpClient,
  failure,
  fcHeaders,
  READY_POLL_MS,
  type Reply,
} from './http-exchange.js';
import type { ChildMessage, FunctionMeta, ParentMessage } from './protocol.js';
import { CODE_DIR } from './sandbox/command.js';
import type { Sandbox } from './sandbox/launcher.js';
import { instanceEnv, STANDARD_PATH } from './spawn-process.js';
import { freePort } from './free-port.js';

/**
 * A custom-runtime instance (FC's `custom` runtime): the function's own command, started with
 * cwd = the code dir, serving HTTP on the port the executor gives it in `FC_SERVER_PORT` (and
 * `PORT`): in a sandbox the configured `customRuntimeConfig.port` (default 9000) in the
 * instance's own network namespace, reached through a forwarded host loopback port; unsandboxed
 * (development) a free host port, since instances then share the host's network. Every message of `protocol.ts` becomes a
 * request with FC's headers:
 *
 *   initialize → POST /initialize   (only when an initializer is configured)
 *   invoke     → POST /invoke       body = event bytes; 2xx body = result, otherwise a failure
 *   preFreeze  → POST /pre-freeze   (only when configured)
 *   preStop    → POST /pre-stop     (only when configured)
 *
 * An `abort` (timeout, stop) has no HTTP equivalent: the instance is killed after its grace
 * period or preStop, as FC does with a custom runtime.
 */

/** FC's default customRuntimeConfig.port. */
const DEFAULT_CUSTOM_PORT = 9000;
/** Where the parent-death signal can be set before exec, so an executor killed -9 leaves no orphans. */
const SETPRIV = '/usr/bin/setpriv';
/** A connection lost without an answer: wait this long for the exit that usually explains it. */
const EXIT_WAIT_MS = 300;

export function httpChannel(sandbox?: Sandbox): OpenChannel {
  const wrapWithDeathSignal = existsSync(SETPRIV);
  return async (o) => {
    const { spec } = o;
    const custom = spec.customRuntime;
    if (!custom?.command.length) {
      throw new Error(`runtime '${spec.runtime}' needs customRuntimeConfig.command`);
    }
    const binds = custom.binds ?? [];
    // In a sandbox the host paths a command names are where they are bound.
    const inSandbox = (arg: string) =>
      binds.reduce((a, b) => (a.startsWith(b.src) ? b.dest + a.slice(b.src.length) : a), arg);
    const argv = [...custom.command, ...(custom.args ?? [])].map((a) => (sandbox ? inSandbox(a) : a));
    // Sandboxed: the server listens on its configured port in its own network namespace, and a
    // free host loopback port is forwarded to it (pasta). Unsandboxed, it shares the host's ports.
    const innerPort = sandbox ? (custom.port ?? DEFAULT_CUSTOM_PORT) : await freePort();
    const launched = sandbox
      ? await sandbox.launch({
          instanceId: o.instanceId,
          tenant: o.tenant,
          spec,
          command: argv,
          env: instanceEnv(o, STANDARD_PATH, {
            FC_SERVER_PORT: String(innerPort),
            PORT: String(innerPort),
            FC_FUNC_CODE_PATH: CODE_DIR,
            HOME: '/tmp',
          }),
          ipc: false,
          readOnly: binds,
          port: innerPort,
          internet: spec.internetAccess !== false,
        })
      : undefined;
    const port = launched?.hostPort ?? innerPort;
    const [file, ...args] = wrapWithDeathSignal ? [SETPRIV, '--pdeathsig', 'KILL', '--', ...argv] : argv;
    const child = await spawned(
      launched?.child ??
        spawn(file!, args, {
          cwd: spec.codeDir,
          env: instanceEnv(o, STANDARD_PATH, { FC_SERVER_PORT: String(port), PORT: String(port) }),
          stdio: ['ignore', 'pipe', 'pipe'],
          // Its own process group, so a kill also ends what the command started (a shell's children).
          detached: true,
        }),
    ).catch((err: Error) => {
      launched?.close();
      throw err;
    });
    // pasta accepts on the host port before the server listens: ask the namespace too; and the
    // host port must answer as well (pasta may set up its forward after the server listens).
    const isUp = launched
      ? async () => launched.listening(innerPort) && (await canConnect(port))
      : () => canConnect(port);
    // Sandboxed, a connection per request: kept-alive connections through pasta's forwarding
    // stalled 40 ms per call (TCP delayed ACK) on servers that write headers and body apart
    // (Python's http.server); a new connection does not (bench/cold-start.ts).
    const agent = new http.Agent({ keepAlive: !launched });
    let closed = false;
    let fn: FunctionMeta = { name: o.functionName, handler: spec.handler, memory: 0, timeout: 0 };
    let tenant = '';
    const hooks = { preStop: false, preFreeze: false };
    const alive = () => child.exitCode === null && child.signalCode === null;
    // Answer on a later turn, after the output the server wrote before answering was read.
    const answer = (msg: ChildMessage) => setImmediate(() => o.onMessage(msg));

    void (async () => {
      while (!closed && alive()) {
        if (await isUp()) return answer({ type: 'ready', pid: child.pid! });
        await new Promise((r) => setTimeout(r, READY_POLL_MS));
      }
    })();

    const client = createFcHttpClient({
      port,
      agent,
      functionHeaders: () => fcHeaders(fn, tenant),
      isAlive: () => !closed && alive(),
    });

    /** Runs a request; a lost connection is reported only if the process outlives it. */
    function exchange(
      path: string,
      headers: Record<string, string>,
      body: Uint8Array | undefined,
      done: (r: Reply | Error) => ChildMessage,
    ): void {
      client.post(path, headers, body).then(
        (reply) => answer(done(reply)),
        (err: Error) =>
          setTimeout(() => {
            if (alive()) answer(done(err));
          }, EXIT_WAIT_MS),
      );
    }

    function hook(path: string, requestId: string, type: 'preStopDone' | 'preFreezeDone'): void {
      exchange(path, { 'x-fc-request-id': requestId }, undefined, (r) => {
        const error = failure(r, `${path} failed`);
        return { type, requestId, ...(error ? { error } : {}) };
      });
    }

    const channel: InstanceChannel = {
      child,
      send(msg: ParentMessage) {
        if (closed) return;
        switch (msg.type) {
          case 'initialize':
            fn = msg.function;
            tenant = msg.tenant;
            hooks.preStop = msg.preStop !== undefined;
            hooks.preFreeze = msg.preFreeze !== undefined;
            if (msg.initializer === undefined)
              return answer({ type: 'initialized', requestId: msg.requestId });
            return exchange(
              '/initialize',
              {
                'x-fc-request-id': msg.requestId,
                'x-fc-function-initializer': msg.initializer,
                ...(msg.traceparent ? { traceparent: msg.traceparent } : {}),
              },
              undefined,
              (r) => {
                const error = failure(r, 'the initializer failed');
                return error
                  ? {
                      type: 'initError',
                      requestId: msg.requestId,
                      ...error,
                      errorMessage: `Initializer failed: ${error.errorMessage}`,
                    }
                  : { type: 'initialized', requestId: msg.requestId };
              },
            );
          case 'invoke':
            return exchange(
              '/invoke',
              {
                'x-fc-request-id': msg.requestId,
                'x-fc-async-task-attempt': String(msg.attempt),
                'x-fc-instance-id': o.instanceId,
                ...(msg.taskId !== undefined ? { 'x-fc-async-task-id': msg.taskId } : {}),
                ...(msg.traceparent ? { traceparent: msg.traceparent } : {}),
              },
              msg.payload,
              (r) => {
                const error = failure(r, 'the function failed');
                return error
                  ? { type: 'error', requestId: msg.requestId, ...error }
                  : { type: 'result', requestId: msg.requestId, body: (r as Reply).body };
              },
            );
          case 'abort':
            return;
          case 'preFreeze':
            if (!hooks.preFreeze) return answer({ type: 'preFreezeDone', requestId: msg.requestId });
            return hook('/pre-freeze', msg.requestId, 'preFreezeDone');
          case 'preStop':
            if (!hooks.preStop) return answer({ type: 'preStopDone', requestId: msg.requestId });
            return hook('/pre-stop', msg.requestId, 'preStopDone');
          default: {
            const unknown: never = msg;
            throw new Error(`unknown message ${JSON.stringify(unknown)}`);
          }
        }
      },
      kill() {
        if (launched) return launched.kill();
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      },
      close() {
        closed = true;
        agent.destroy();
        launched?.close();
      },
      ...(launched ? { stats: launched.stats, outOfMemory: launched.outOfMemory } : {}),
    };
    return channel;
  };
}
