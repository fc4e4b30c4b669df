import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInstancePool } from './instance-pool.js';
import {
  createSandbox,
  deployWithMarker,
  expectKind,
  request,
  stopOnceBusy,
  until,
  type Sandbox,
} from './test-support.js';
import type { FunctionSpec, InstanceEvent, InstanceInfo, InstancePool } from './types.js';

/*
 * The custom runtime: a Python server (standard library only, test/fixtures/custom-python) run as
 * a real process and spoken to over HTTP, through the same pool as Node functions.
 */

const SERVER_PY = readFileSync(
  new URL('../../../test/fixtures/custom-python/server.py', import.meta.url),
  'utf8',
);

/** Resets its first three connections without an answer (as pasta did at start), then serves. */
const RESETS_FIRST_CONNECTIONS_PY = `
import os, socket, struct
from http.server import HTTPServer, BaseHTTPRequestHandler
class Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
server = HTTPServer(("", int(os.environ["FC_SERVER_PORT"])), Ok)
for _ in range(3):
    conn, _ = server.socket.accept()
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
server.serve_forever()
`;

let box: Sandbox;
let pool: InstancePool;
let events: InstanceEvent[];
let changes: InstanceInfo[];

beforeEach(async () => {
  box = await createSandbox();
  events = [];
  changes = [];
  pool = createInstancePool({
    sandbox: box.poolSandbox,
    idleTimeoutMs: 60_000,
    onInstanceEvent: (e) => events.push(e),
    onInstanceChange: (i) => changes.push(i),
  });
});
afterEach(async () => {
  await pool.shutdown();
  await box.cleanup();
});

function deployPython(overrides: Partial<FunctionSpec> = {}) {
  return deployWithMarker(
    box,
    { 'server.py': SERVER_PY },
    {
      runtime: 'custom.debian12',
      handler: 'index.handler',
      customRuntime: { command: ['python3', '-u', 'server.py'] },
      initializer: { handler: 'true', timeoutSeconds: 5 },
      preFreeze: { handler: 'true', timeoutSeconds: 3 },
      preStop: { handler: 'true', timeoutSeconds: 3 },
      ...overrides,
    },
  );
}

describe('a custom runtime (Python over HTTP)', () => {
  it('serves invocations with FC headers, runs the initializer once and preFreeze after each call', async () => {
    const { spec, hooks } = await deployPython();
    const req = request({
      taskId: 'task-7',
      attempt: 2,
      payload: Buffer.from('hello'),
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    const first = expectKind(await pool.invoke(spec, req), 'succeeded');
    const body = JSON.parse(first.result.toString()) as {
      event: string;
      headers: Record<string, string>;
      initialized: number;
      cwd: string;
    };
    expect(body.event).toBe('hello');
    // Sandboxed, the code is mounted at /code, as on FC.
    expect(body.cwd).toBe('/code');
    expect(body.headers).toMatchObject({
      'x-fc-request-id': req.requestId,
      'x-fc-function-name': 'fn',
      'x-fc-function-handler': 'index.handler',
      'x-fc-function-memory': '128',
      'x-fc-function-timeout': '10',
      'x-fc-async-task-id': 'task-7',
      'x-fc-async-task-attempt': '2',
      'x-fc-instance-id': first.instanceId,
      traceparent: req.traceparent,
    });
    expect(first.coldStart).toBe(true);
    expect(first.logs).toContain(`initializer ran for ${req.requestId}`);
    expect(first.logs).toContain(`invoked ${req.requestId} with hello`);
    await until(() => pool.list()[0]?.status === 'frozen');
    const second = expectKind(
      await pool.invoke(spec, request({ payload: Buffer.from('again') })),
      'succeeded',
    );
    expect(second.instanceId).toBe(first.instanceId);
    expect(second.coldStart).toBe(false);
    expect(JSON.parse(second.result.toString())).toMatchObject({ initialized: 1, invocations: 2 });
    await until(() => pool.list()[0]?.status === 'frozen');
    await pool.shutdown();
    expect(await hooks()).toEqual(['initialize', 'invoke', 'preFreeze', 'invoke', 'preFreeze', 'preStop']);
    expect(changes.map((c) => c.status)).toEqual([
      'initializing',
      'busy',
      'freezing',
      'frozen',
      'busy',
      'freezing',
      'frozen',
      'stopping',
      'destroyed',
    ]);
    expect(changes.at(-1)).toMatchObject({
      tenant: 'tenant-a',
      functionName: 'fn',
      destroyedTimeMs: expect.any(Number),
    });
  });

  it('an error answer fails the call: JSON {errorType, errorMessage}, or x-fc-status on a 200', async () => {
    const { spec } = await deployPython();
    const failed = expectKind(
      await pool.invoke(spec, request({ payload: Buffer.from('fail:no such user') })),
      'failed',
    );
    expect(failed).toMatchObject({ errorType: 'ValueError', errorMessage: 'no such user' });
    expect(failed.logs).toContain('failing on purpose');
    expect(await pool.invoke(spec, request({ payload: Buffer.from('fc-status') }))).toMatchObject({
      kind: 'failed',
      errorType: 'UnhandledInvocationError',
      errorMessage: 'HTTP 404: not found here',
    });
  });

  it('a failing initializer fails the call clearly and discards the instance', async () => {
    const { spec } = await deployPython({ environmentVariables: { FAIL_INIT: '1' } });
    const out = expectKind(await pool.invoke(spec, request()), 'failed');
    expect(out.errorType).toBe('InitializationError');
    expect(out.errorMessage).toBe('Initializer failed: cannot connect to the database');
    await until(() => pool.list().length === 0);
  });

  it('times out, crashes and stops like a Node function; preStop runs on stop', async () => {
    const { spec, hooks } = await deployPython({ timeoutSeconds: 1 });
    const t0 = Date.now();
    expect(await pool.invoke(spec, request({ payload: Buffer.from('sleep:5') }))).toMatchObject({
      kind: 'timedOut',
      errorMessage: 'Function timed out after 1 seconds',
    });
    expect(Date.now() - t0).toBeLessThan(2500);
    const crashed = await pool.invoke(spec, request({ payload: Buffer.from('exit:3') }));
    expect(crashed).toMatchObject({ kind: 'crashed', errorMessage: 'Process exited with code 3' });
    expect(crashed.logs).toContain('exiting');

    const controller = new AbortController();
    const running = pool.invoke(
      { ...spec, timeoutSeconds: 10 },
      request({ payload: Buffer.from('sleep:8') }),
      controller.signal,
    );
    const { outcome: stopped, stopMs } = await stopOnceBusy(pool, controller, running, 10_000);
    expect(stopped.kind).toBe('stopped');
    expect(stopMs).toBeLessThan(1500);
    expect(stopped.logs).toContain('preStop ran');
    expect((await hooks()).filter((h) => h === 'preStop')).toHaveLength(1);
  });

  it('an instance whose RSS exceeds memorySize is killed as out of memory', async () => {
    const { spec } = await deployPython({ memorySizeMB: 64 });
    const out = await pool.invoke(spec, request({ payload: Buffer.from('hog:200') }));
    expect(out).toMatchObject({ kind: 'crashed', errorMessage: 'Process ran out of memory (limit 64 MB)' });
    expect(events.filter((e) => e.type === 'destroyed')).toMatchObject([{ reason: 'outOfMemory' }]);
  });

  it('reports resource usage of the attempt', async () => {
    const { spec } = await deployPython({ memorySizeMB: 512 });
    const out = expectKind(
      await pool.invoke(spec, request({ payload: Buffer.from('hog:100') })),
      'succeeded',
    );
    expect(out.usage?.peakMemoryMB).toBeGreaterThanOrEqual(100);
    expect(out.usage?.cpuTimeMs).toBeGreaterThanOrEqual(0);
    // The high-water mark is reset when an invocation is dispatched alone: the next call's own
    // peak does not include the 100 MB the previous one held (Python gave it back on return).
    const next = expectKind(await pool.invoke(spec, request({ payload: Buffer.from('echo') })), 'succeeded');
    expect(next.instanceId).toBe(out.instanceId);
    expect(next.usage!.peakMemoryMB).toBeLessThan(60);
  });

  it('connections reset before the first answer are retried: the forward may settle after the server listens', async () => {
    const spec = await box.deploy(
      { 'server.py': RESETS_FIRST_CONNECTIONS_PY },
      {
        runtime: 'custom.debian12',
        handler: 'index.handler',
        customRuntime: { command: ['python3', '-u', 'server.py'] },
        initializer: { handler: 'true', timeoutSeconds: 5 },
      },
    );
    const out = expectKind(await pool.invoke(spec, request({ payload: Buffer.from('x') })), 'succeeded');
    expect(out.result.toString()).toBe('ok');
  });

  it('a command that does not exist fails the call without hurting the pool', async () => {
    const { spec } = await deployPython({ customRuntime: { command: ['/nonexistent/server'] } });
    const out = await pool.invoke(spec, request());
    expect(out.kind).toBe('crashed');
    await until(() => pool.list().length === 0);
  });
});
