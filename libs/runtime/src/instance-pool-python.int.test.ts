import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInstancePool } from './instance-pool.js';
import { PYTHON_SHIM_PATH } from './python-channel.js';
import {
  createSandbox,
  deployWithMarker,
  expectKind,
  request,
  stopOnceBusy,
  until,
  type Sandbox,
} from './test-support.js';
import type { FunctionSpec, InstancePool } from './types.js';

/*
 * FC's native Python runtimes: real python3 processes running the shim (python/fc_python_shim.py)
 * with a function written the way FC's users write it, through the same pool as Node functions.
 */

const INDEX_PY = `
import json
import logging
import os
import sys
import time

STATE = {"initialized": 0}


def mark(what):
    with open(os.environ["MARKER"], "a") as f:
        f.write(what + "\\n")


def initializer(context):
    STATE["initialized"] += 1
    context.logger.info("initializer ran for %s", context.request_id)
    mark("initialize")
    if os.environ.get("FAIL_INIT"):
        raise RuntimeError("cannot connect to the database")


def pre_freeze(context):
    mark("preFreeze")


def pre_stop(context):
    print("preStop ran for", context.request_id)
    mark("preStop")


def handler(event, context):
    if not isinstance(event, bytes):
        raise TypeError("event is not bytes")
    text = event.decode()
    command, _, arg = text.partition(":")
    logging.info("root logger line for %s", command)
    context.logger.warning("context logger line")
    print("plain print")
    if command == "fail":
        raise ValueError(arg)
    if command == "sleep":
        time.sleep(float(arg))
        return "slept"
    if command == "str":
        return arg
    if command == "bytes":
        return b"\\x00\\xffraw"
    if command == "none":
        return None
    if command == "exit":
        sys.stdout.flush()
        os._exit(int(arg))
    return {
        "event": text,
        "requestId": context.request_id,
        "function": {
            "name": context.function.name,
            "handler": context.function.handler,
            "memory": context.function.memory,
            "timeout": context.function.timeout,
        },
        "credentials": [
            context.credentials.access_key_id,
            context.credentials.access_key_secret,
            context.credentials.security_token,
        ],
        "accountId": context.account_id,
        "loggerIsLogger": isinstance(context.logger, logging.Logger),
        "taskId": context.task_id,
        "attempt": context.attempt,
        "initialized": STATE["initialized"],
        "cwd": os.getcwd(),
        "secretLeak": os.environ.get("ASYNCFN_TEST_SECRET"),
        "python": sys.version_info[0],
    }
`;

let box: Sandbox;
let pool: InstancePool;

beforeEach(async () => {
  box = await createSandbox();
  pool = createInstancePool({ idleTimeoutMs: 60_000, sandbox: box.poolSandbox });
});
afterEach(async () => {
  await pool.shutdown();
  await box.cleanup();
});

function deploy(overrides: Partial<FunctionSpec> = {}, files: Record<string, string> = {}) {
  return deployWithMarker(
    box,
    { 'index.py': INDEX_PY, ...files },
    {
      runtime: 'python3',
      handler: 'index.handler',
      initializer: { handler: 'index.initializer', timeoutSeconds: 5 },
      preFreeze: { handler: 'index.pre_freeze', timeoutSeconds: 3 },
      preStop: { handler: 'index.pre_stop', timeoutSeconds: 3 },
      ...overrides,
    },
  );
}

describe('native Python runtimes', () => {
  it("runs handler(event, context) with FC's context; initializer once, preFreeze after each call, preStop at the end", async () => {
    process.env.ASYNCFN_TEST_SECRET = 'executor-only';
    const { spec, hooks } = await deploy({ runtime: 'python3.10' });
    const req = request({ taskId: 'task-7', attempt: 2, payload: Buffer.from('hello') });
    const first = expectKind(await pool.invoke(spec, req), 'succeeded');
    const body = JSON.parse(first.result.toString()) as Record<string, unknown>;
    expect(body).toEqual({
      event: 'hello',
      requestId: req.requestId,
      function: { name: 'fn', handler: 'index.handler', memory: 128, timeout: 10 },
      credentials: ['', '', ''],
      accountId: 'tenant-a',
      loggerIsLogger: true,
      taskId: 'task-7',
      attempt: 2,
      initialized: 1,
      // The code is mounted read-only at /code in the sandbox.
      cwd: '/code',
      secretLeak: null,
      python: 3,
    });
    expect(first.coldStart).toBe(true);
    // FC's line format with the request id, from the root logger and from context.logger.
    const prefix = (level: string) =>
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z ${req.requestId} \\[${level}\\] `,
        'm',
      );
    expect(first.logs).toMatch(
      new RegExp(prefix('INFO').source + `initializer ran for ${req.requestId}`, 'm'),
    );
    expect(first.logs).toMatch(new RegExp(prefix('INFO').source + 'root logger line for hello', 'm'));
    expect(first.logs).toMatch(new RegExp(prefix('WARNING').source + 'context logger line', 'm'));
    expect(first.logs).toContain('plain print');

    await until(() => pool.list()[0]?.status === 'frozen');
    const second = expectKind(
      await pool.invoke(spec, request({ payload: Buffer.from('again') })),
      'succeeded',
    );
    expect(second.instanceId).toBe(first.instanceId);
    expect(JSON.parse(second.result.toString())).toMatchObject({ event: 'again', initialized: 1 });
    await until(() => pool.list()[0]?.status === 'frozen');
    await pool.shutdown();
    expect(await hooks()).toEqual(['initialize', 'preFreeze', 'preFreeze', 'preStop']);
    delete process.env.ASYNCFN_TEST_SECRET;
  });

  it('returns str and bytes as they are, None as empty, a dict as JSON', async () => {
    const { spec } = await deploy({ runtime: 'python3.12' });
    const run = async (event: string) =>
      expectKind(await pool.invoke(spec, request({ payload: Buffer.from(event) })), 'succeeded').result;
    expect((await run('str:héllo')).toString()).toBe('héllo');
    expect(await run('bytes')).toEqual(Buffer.from([0x00, 0xff, ...Buffer.from('raw')]));
    expect((await run('none')).length).toBe(0);
    expect(JSON.parse((await run('dict')).toString())).toMatchObject({ event: 'dict' });
  });

  it("an exception fails the call with FC's errorType and errorMessage; the traceback is logged", async () => {
    const { spec } = await deploy({ runtime: 'python3.9' });
    const req = request({ payload: Buffer.from('fail:no such user') });
    const failed = expectKind(await pool.invoke(spec, req), 'failed');
    expect(failed).toMatchObject({ errorType: 'ValueError', errorMessage: 'no such user' });
    expect(failed.logs).toMatch(new RegExp(`${req.requestId} \\[ERROR\\] ValueError: no such user`));
    expect(failed.logs).toMatch(
      new RegExp(`${req.requestId} \\[ERROR\\] Traceback \\(most recent call last\\):`),
    );
    expect(failed.logs).toContain('raise ValueError(arg)');
    expect(failed.logs).not.toContain('fc_python_shim.py'); // the user's frames only
    // The instance survives a function error.
    const next = expectKind(await pool.invoke(spec, request()), 'succeeded');
    expect(next.instanceId).toBe(failed.instanceId);
  });

  it('a failing initializer or an unloadable handler is an InitializationError and discards the instance', async () => {
    const { spec } = await deploy({ environmentVariables: { FAIL_INIT: '1' } });
    const out = expectKind(await pool.invoke(spec, request()), 'failed');
    expect(out.errorType).toBe('InitializationError');
    expect(out.errorMessage).toBe(
      "Initializer 'index.initializer' failed: RuntimeError: cannot connect to the database",
    );
    expect(out.logs).toContain('cannot connect to the database');
    await until(() => pool.list().length === 0);

    const missing = await deploy({ handler: 'main.handler', initializer: undefined });
    const load = expectKind(await pool.invoke(missing.spec, request()), 'failed');
    expect(load.errorType).toBe('InitializationError');
    expect(load.errorMessage).toBe(
      "Handler 'main.handler' could not be loaded: ModuleNotFoundError: No module named 'main'",
    );
    const noFunction = await deploy({ handler: 'index.nothing', initializer: undefined });
    expect(await pool.invoke(noFunction.spec, request())).toMatchObject({
      kind: 'failed',
      errorType: 'InitializationError',
      errorMessage: expect.stringContaining("handler 'index.nothing' is not a function of module 'index'"),
    });
  });

  it('loads handlers from packages in subdirectories', async () => {
    const { spec } = await deploy(
      { handler: 'src/app.main', initializer: undefined, preFreeze: undefined },
      {
        'src/app.py': 'def main(event, context):\n    return "from src: " + event.decode()\n',
      },
    );
    const out = expectKind(await pool.invoke(spec, request({ payload: Buffer.from('x') })), 'succeeded');
    expect(out.result.toString()).toBe('from src: x');
  });

  it('times out, crashes and stops like a Node function; preStop runs on stop', async () => {
    const { spec, hooks } = await deploy({ timeoutSeconds: 1 });
    const t0 = Date.now();
    expect(await pool.invoke(spec, request({ payload: Buffer.from('sleep:5') }))).toMatchObject({
      kind: 'timedOut',
      errorMessage: 'Function timed out after 1 seconds',
    });
    expect(Date.now() - t0).toBeLessThan(2500);
    expect(await pool.invoke(spec, request({ payload: Buffer.from('exit:3') }))).toMatchObject({
      kind: 'crashed',
      errorMessage: 'Process exited with code 3',
    });

    const controller = new AbortController();
    const running = pool.invoke(
      { ...spec, timeoutSeconds: 10 },
      request({ payload: Buffer.from('sleep:8') }),
      controller.signal,
    );
    const { outcome: stopped, stopMs } = await stopOnceBusy(pool, controller, running, 10_000);
    expect(stopped.kind).toBe('stopped');
    expect(stopMs).toBeLessThan(1500);
    expect(stopped.logs).toContain('preStop ran for');
    expect((await hooks()).filter((h) => h === 'preStop')).toHaveLength(1);
  });

  it('with instanceConcurrency > 1, each invocation gets its own logger lines', async () => {
    const { spec } = await deploy({ instanceConcurrency: 2, preFreeze: undefined });
    // One instance up first: two cold calls at once may each start one on a slow machine.
    expectKind(await pool.invoke(spec, request()), 'succeeded');
    const a = request({ payload: Buffer.from('sleep:0.5') });
    const b = request({ payload: Buffer.from('sleep:0.5') });
    const [ra, rb] = await Promise.all([pool.invoke(spec, a), pool.invoke(spec, b)]);
    const oa = expectKind(ra, 'succeeded');
    const ob = expectKind(rb, 'succeeded');
    expect(oa.instanceId).toBe(ob.instanceId);
    expect(oa.logs).toContain(`${a.requestId} [INFO] root logger line for sleep`);
    expect(oa.logs).not.toContain(b.requestId);
    expect(ob.logs).toContain(`${b.requestId} [INFO] root logger line for sleep`);
    expect(ob.logs).not.toContain(a.requestId);
  });

  it('pythonBinaries picks the interpreter per runtime', async () => {
    await pool.shutdown();
    pool = createInstancePool({
      idleTimeoutMs: 60_000,
      sandbox: box.poolSandbox,
      pythonBinaries: { 'python3.9': '/nonexistent/python3.9' },
    });
    const mapped = await deploy({ runtime: 'python3.9' });
    expect((await pool.invoke(mapped.spec, request())).kind).toBe('crashed');
    const unmapped = await deploy({ runtime: 'python3.10' });
    expectKind(await pool.invoke(unmapped.spec, request()), 'succeeded');
  });
});

describe('the Python shim on its own', () => {
  it("answers an exception with FC's whole error record: errorMessage, errorType, stackTrace", async () => {
    const { spec } = await deploy();
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as AddressInfo;
        server.close(() => resolve(p));
      });
    });
    const child = spawn('python3', ['-u', '-B', PYTHON_SHIM_PATH, '--handler', 'index.handler'], {
      cwd: spec.codeDir,
      env: { PATH: process.env.PATH ?? '', FC_SERVER_PORT: String(port), MARKER: join(box.root, 'm') },
      stdio: 'ignore',
    });
    try {
      const res = await (async () => {
        for (let i = 0; i < 100; i++) {
          try {
            return await fetch(`http://127.0.0.1:${port}/invoke`, {
              method: 'POST',
              headers: { 'x-fc-request-id': 'r-1' },
              body: 'fail:bad input',
            });
          } catch {
            await new Promise((r) => setTimeout(r, 50));
          }
        }
        throw new Error('the shim never listened');
      })();
      expect(res.status).toBe(500);
      expect(res.headers.get('x-fc-error-type')).toBe('ValueError');
      const record = (await res.json()) as {
        errorMessage: string;
        errorType: string;
        stackTrace: string[][];
      };
      expect(record).toMatchObject({ errorMessage: 'bad input', errorType: 'ValueError' });
      expect(record.stackTrace).toHaveLength(1);
      expect(record.stackTrace[0]).toEqual([
        `File "${join(spec.codeDir, 'index.py')}"`,
        expect.stringMatching(/^line \d+$/),
        'in handler',
        'raise ValueError(arg)',
      ]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
