import { fork, type ChildProcess } from 'node:child_process';

/*
 * Helper processes of the bench (the /proc sampler, the completion collector, the peers'
 * consumers) run as children so that their CPU and memory are measured apart from the load
 * generator, and so that their work does not stall its event loop. They talk over the IPC channel:
 * a request with an id, one reply per request.
 */

interface Request {
  id: number;
  cmd: string;
  args?: unknown;
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export interface Child {
  label: string;
  pid: number;
  call<T = unknown>(cmd: string, args?: unknown, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;

/** Forks a bench child (a .ts module run with tsx) and waits until it says it is ready. */
export async function startChild(
  label: string,
  modulePath: string,
  env: Record<string, string> = {},
): Promise<Child> {
  const proc: ChildProcess = fork(modulePath, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let exited = false;
  proc.on('message', (raw) => {
    const reply = raw as Reply;
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new Error(`${label}: ${reply.error ?? 'failed'}`));
  });
  proc.on('exit', (code, signal) => {
    exited = true;
    for (const p of pending.values()) p.reject(new Error(`${label} exited (${code ?? signal})`));
    pending.clear();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start`)), READY_TIMEOUT_MS);
    const onReady = (raw: unknown) => {
      if ((raw as { ready?: boolean }).ready) {
        clearTimeout(timer);
        proc.off('message', onReady);
        resolve();
      }
    };
    proc.on('message', onReady);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited before it was ready (${code})`));
    });
  });
  return {
    label,
    pid: proc.pid ?? -1,
    call<T>(cmd: string, args?: unknown, timeoutMs = 60_000): Promise<T> {
      if (exited) return Promise.reject(new Error(`${label} is not running`));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${label}: '${cmd}' timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        proc.send({ id, cmd, args } satisfies Request);
      });
    },
    async stop() {
      if (exited) return;
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** The child side: answers the parent's requests with the given handlers, then says it is ready. */
export function serveParent(handlers: Record<string, (args: unknown) => unknown>): void {
  if (!process.send) throw new Error('a bench child must be started with startChild()');
  const send = process.send.bind(process);
  process.on('message', (raw) => {
    const req = raw as Request;
    const handler = handlers[req.cmd];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown command '${req.cmd}'`);
        return handler(req.args);
      })
      .then(
        (result) => send({ id: req.id, ok: true, result } satisfies Reply),
        (err: unknown) => send({ id: req.id, ok: false, error: (err as Error).message } satisfies Reply),
      );
  });
  // The parent going away (even by SIGKILL) must not leave a helper behind.
  process.on('disconnect', () => process.exit(0));
  send({ ready: true });
}
