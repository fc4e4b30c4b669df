import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInstancePool } from './instance-pool.js';
import { createSandbox, expectKind, request, until, type Sandbox } from './test-support.js';
import type { InstanceEvent, InstancePool } from './types.js';

let box: Sandbox;
let pool: InstancePool;
let events: InstanceEvent[];

beforeEach(async () => {
  box = await createSandbox();
  events = [];
  pool = createInstancePool({ idleTimeoutMs: 60_000, onInstanceEvent: (e) => events.push(e) });
});
afterEach(async () => {
  await pool.shutdown();
  await box.cleanup();
});

describe('results', () => {
  it('JSON-serialises an object returned by an async handler', async () => {
    const spec = await box.deploy({ 'index.js': 'exports.handler = async () => ({ ok: true, n: 1 });' });
    const out = expectKind(await pool.invoke(spec, request()), 'succeeded');
    expect(out.result.toString()).toBe('{"ok":true,"n":1}');
    expect(out.coldStart).toBe(true);
  });

  it('returns a string as-is', async () => {
    const spec = await box.deploy({ 'index.js': 'exports.handler = async () => \'plain "text"\';' });
    expect(expectKind(await pool.invoke(spec, request()), 'succeeded').result.toString()).toBe(
      'plain "text"',
    );
  });

  it('returns a Buffer as-is, binary bytes intact', async () => {
    const spec = await box.deploy({
      'index.js': 'exports.handler = async () => Buffer.from([0, 255, 10, 128]);',
    });
    const out = expectKind(await pool.invoke(spec, request()), 'succeeded');
    expect([...out.result]).toEqual([0, 255, 10, 128]);
  });

  it('supports callback style (handler.length >= 3)', async () => {
    const spec = await box.deploy({
      'index.js':
        "exports.handler = (event, context, callback) => setTimeout(() => callback(null, 'cb:' + event), 10);",
    });
    const out = await pool.invoke(spec, request({ payload: Buffer.from('hi') }));
    expect(expectKind(out, 'succeeded').result.toString()).toBe('cb:hi');
  });

  it('delivers the event as a Buffer with the exact bytes', async () => {
    const spec = await box.deploy({
      'index.js': `exports.handler = async (event) => {
        if (!Buffer.isBuffer(event)) throw new TypeError('event is ' + typeof event);
        return Buffer.concat([Buffer.from([event.length]), event]);
      };`,
    });
    const payload = Buffer.from([0xff, 0x00, 0xfe, 0x0a, 0xc3]); // not valid UTF-8 on purpose
    const out = expectKind(await pool.invoke(spec, request({ payload })), 'succeeded');
    expect([...out.result]).toEqual([5, ...payload]);
  });

  it('loads ESM handlers (.mjs with export const) and nested files', async () => {
    const spec = await box.deploy(
      { 'src/main.mjs': "export const handler = async (event) => 'esm:' + event.toString();" },
      { handler: 'src/main.handler' },
    );
    expect(
      expectKind(
        await pool.invoke(spec, request({ payload: Buffer.from('x') })),
        'succeeded',
      ).result.toString(),
    ).toBe('esm:x');
  });

  it('loads CommonJS `module.exports = { handler }`', async () => {
    const spec = await box.deploy({ 'index.cjs': "module.exports = { handler: async () => 'cjs' };" });
    expect(expectKind(await pool.invoke(spec, request()), 'succeeded').result.toString()).toBe('cjs');
  });
});

describe('errors', () => {
  it('a thrown error fails the call with errorType/errorMessage and logs the stack', async () => {
    const spec = await box.deploy({
      'index.js': `class ValidationError extends Error { name = 'ValidationError'; }
        exports.handler = async () => { throw new ValidationError('bad input'); };`,
    });
    const out = expectKind(await pool.invoke(spec, request()), 'failed');
    expect(out).toMatchObject({ errorType: 'ValidationError', errorMessage: 'bad input' });
    expect(out.logs).toMatch(/\[ERROR\] ValidationError: bad input/);
  });

  it('callback(err) fails the call', async () => {
    const spec = await box.deploy({
      'index.js': "exports.handler = (e, c, cb) => cb(new RangeError('too big'));",
    });
    expect(await pool.invoke(spec, request())).toMatchObject({
      kind: 'failed',
      errorType: 'RangeError',
      errorMessage: 'too big',
    });
  });

  it('a missing handler export fails with InitializationError and discards the instance', async () => {
    const spec = await box.deploy({ 'index.js': 'exports.other = async () => 1;' });
    const out = expectKind(await pool.invoke(spec, request()), 'failed');
    expect(out.errorType).toBe('InitializationError');
    expect(out.errorMessage).toMatch(/handler 'index\.handler' is not a function/);
    await until(() => pool.list().length === 0);
  });

  it('an unsupported runtime fails without starting anything', async () => {
    const spec = await box.deploy({ 'Index.java': 'class Index {}' }, { runtime: 'java11' });
    expect(await pool.invoke(spec, request())).toMatchObject({ kind: 'failed', errorMessage: /java11/ });
    expect(events).toEqual([]);
  });

  it('garbage sent over IPC by user code is ignored', async () => {
    const spec = await box.deploy({
      'index.js': `exports.handler = async (e, ctx) => {
        process.send({ type: 'result', requestId: ctx.requestId, body: 'not bytes' });
        process.send({ type: 'nonsense' }); process.send(42);
        return 'real';
      };`,
    });
    expect(expectKind(await pool.invoke(spec, request()), 'succeeded').result.toString()).toBe('real');
  });
});

describe('context, environment and logs', () => {
  it('passes FC context fields (no credentials) and an AbortSignal', async () => {
    const spec = await box.deploy(
      {
        'index.js': `exports.handler = async (event, ctx) => ({
          keys: Object.keys(ctx).sort(), requestId: ctx.requestId, taskId: ctx.taskId, attempt: ctx.attempt,
          fn: ctx.function, tenant: ctx.tenant, traceparent: ctx.traceparent,
          signal: ctx.signal instanceof AbortSignal && !ctx.signal.aborted,
        });`,
      },
      { timeoutSeconds: 7, memorySizeMB: 256 },
    );
    const req = request({ taskId: 'task-1', attempt: 2, traceparent: '00-abc-def-01' });
    const out = JSON.parse(expectKind(await pool.invoke(spec, req), 'succeeded').result.toString());
    expect(out).toEqual({
      keys: ['attempt', 'function', 'logger', 'requestId', 'signal', 'taskId', 'tenant', 'traceparent'],
      requestId: req.requestId,
      taskId: 'task-1',
      attempt: 2,
      fn: { name: 'fn', handler: 'index.handler', memory: 256, timeout: 7 },
      tenant: 'tenant-a',
      traceparent: '00-abc-def-01',
      signal: true,
    });
  });

  it("sees the function's environment variables, never the executor's", async () => {
    process.env.EXECUTOR_SECRET = 'leak';
    try {
      const spec = await box.deploy(
        {
          'index.js':
            'exports.handler = async () => ({ greeting: process.env.GREETING, secret: process.env.EXECUTOR_SECRET ?? null, fn: process.env.FC_FUNCTION_NAME, hasPath: !!process.env.PATH });',
        },
        { environmentVariables: { GREETING: 'hello' } },
      );
      const out = JSON.parse(expectKind(await pool.invoke(spec, request()), 'succeeded').result.toString());
      expect(out).toEqual({ greeting: 'hello', secret: null, fn: 'fn', hasPath: true });
    } finally {
      delete process.env.EXECUTOR_SECRET;
    }
  });

  it('captures console output, context.logger lines (request-id prefixed) and a trailing partial line', async () => {
    const spec = await box.deploy({
      'index.js': `exports.handler = async (e, ctx) => {
        console.log('from console');
        console.error('to stderr');
        ctx.logger.info('structured', { a: 1 });
        process.stdout.write('no newline');
        return 'ok';
      };`,
    });
    const req = request();
    const out = expectKind(await pool.invoke(spec, req), 'succeeded');
    expect(out.logs).toContain('from console\n');
    expect(out.logs).toContain('to stderr\n');
    expect(out.logs).toMatch(new RegExp(`^\\S+Z ${req.requestId} \\[INFO\\] structured { a: 1 }$`, 'm'));
    expect(out.logs).toContain('no newline');
  });

  it('caps logs at 64 KB per invocation', async () => {
    const spec = await box.deploy({
      'index.js':
        "exports.handler = async () => { for (let i = 0; i < 2000; i++) console.log('x'.repeat(100)); return 1; };",
    });
    const out = expectKind(await pool.invoke(spec, request()), 'succeeded');
    expect(Buffer.byteLength(out.logs)).toBeLessThanOrEqual(64 * 1024 + 100);
    expect(out.logs).toMatch(/truncated at 65536 bytes/);
  });
});

describe('resource usage', () => {
  it('reports CPU time and peak memory of the attempt', async () => {
    const spec = await box.deploy(
      {
        'index.js': `exports.handler = async (event) => {
          if (event.toString() === 'work') {
            const held = Buffer.alloc(64 * 1024 * 1024, 1);
            const start = process.cpuUsage();
            const used = () => { const u = process.cpuUsage(start); return (u.user + u.system) / 1000; };
            while (used() < 300) Math.sqrt(Math.random()); // 300 ms of CPU, however busy the host
            return held.length;
          }
          return 'idle';
        };`,
      },
      { memorySizeMB: 256 },
    );
    const busy = expectKind(await pool.invoke(spec, request({ payload: Buffer.from('work') })), 'succeeded');
    expect(busy.usage!.cpuTimeMs).toBeGreaterThanOrEqual(280);
    expect(busy.usage!.peakMemoryMB).toBeGreaterThanOrEqual(64);
    const quiet = expectKind(await pool.invoke(spec, request({ payload: Buffer.from('rest') })), 'succeeded');
    expect(quiet.instanceId).toBe(busy.instanceId);
    expect(quiet.usage!.cpuTimeMs).toBeLessThan(100);
  });
});

describe('instances', () => {
  it('reuses a warm instance: same instanceId, coldStart false', async () => {
    const spec = await box.deploy({ 'index.js': "exports.handler = async () => 'x';" });
    const first = expectKind(await pool.invoke(spec, request()), 'succeeded');
    const second = expectKind(await pool.invoke(spec, request()), 'succeeded');
    expect(second.instanceId).toBe(first.instanceId);
    expect([first.coldStart, second.coldStart]).toEqual([true, false]);
    expect(pool.list()).toMatchObject([
      { instanceId: first.instanceId, status: 'frozen', inFlight: 0, invocations: 2 },
    ]);
    expect(events.filter((e) => e.type === 'started')).toHaveLength(1);
  });

  it('runs the initializer once per instance, before the first invocation', async () => {
    const spec = await box.deploy(
      {
        'index.js': `let inits = 0; let handled = 0;
          exports.initializer = async (ctx) => { inits++; ctx.logger.info('initialising'); };
          exports.handler = async () => ({ inits, handled: ++handled });`,
      },
      { initializer: { handler: 'index.initializer', timeoutSeconds: 5 } },
    );
    const a = expectKind(await pool.invoke(spec, request()), 'succeeded');
    const b = expectKind(await pool.invoke(spec, request()), 'succeeded');
    expect(JSON.parse(a.result.toString())).toEqual({ inits: 1, handled: 1 });
    expect(JSON.parse(b.result.toString())).toEqual({ inits: 1, handled: 2 });
    expect(a.logs).toMatch(/\[INFO\] initialising/);
    expect(events.map((e) => e.type)).toEqual(['started', 'initialized']);
  });

  it('supports a callback-style initializer', async () => {
    const spec = await box.deploy(
      {
        'index.js': `let ready = false;
          exports.init = (ctx, cb) => setTimeout(() => { ready = true; cb(); }, 20);
          exports.handler = async () => ({ ready });`,
      },
      { initializer: { handler: 'index.init', timeoutSeconds: 5 } },
    );
    const out = expectKind(await pool.invoke(spec, request()), 'succeeded');
    expect(JSON.parse(out.result.toString())).toEqual({ ready: true });
  });

  it('an initializer failure fails the call clearly and discards the instance', async () => {
    const spec = await box.deploy(
      {
        'index.js': `exports.initializer = async () => { throw new Error('db unreachable'); };
          exports.handler = async () => 'never';`,
      },
      { initializer: { handler: 'index.initializer', timeoutSeconds: 5 } },
    );
    const out = expectKind(await pool.invoke(spec, request()), 'failed');
    expect(out.errorType).toBe('InitializationError');
    expect(out.errorMessage).toBe("Initializer 'index.initializer' failed: Error: db unreachable");
    expect(out.logs).toMatch(/Error: db unreachable/);
    await until(() => pool.list().length === 0);
    const again = expectKind(await pool.invoke(spec, request()), 'failed');
    expect(again.instanceId).not.toBe(out.instanceId); // a fresh instance tried again
  });

  it('an initializer that exceeds its timeout fails with InitializationError', async () => {
    const spec = await box.deploy(
      {
        'index.js': `exports.initializer = () => new Promise(() => {});
          exports.handler = async () => 'never';`,
      },
      { initializer: { handler: 'index.initializer', timeoutSeconds: 1 } },
    );
    expect(await pool.invoke(spec, request())).toMatchObject({
      kind: 'failed',
      errorType: 'InitializationError',
      errorMessage: "Initializer 'index.initializer' timed out after 1 seconds",
    });
  });

  it('instanceConcurrency 1: two concurrent calls use two instances', async () => {
    const spec = await box.deploy({
      'index.js':
        'exports.handler = async () => { await new Promise((r) => setTimeout(r, 300)); return process.pid; };',
    });
    const [a, b] = await Promise.all([pool.invoke(spec, request()), pool.invoke(spec, request())]);
    expect(expectKind(a!, 'succeeded').instanceId).not.toBe(expectKind(b!, 'succeeded').instanceId);
    expect(pool.list()).toHaveLength(2);
  });

  it('instanceConcurrency 3: three concurrent calls share one instance, logs attributed by request id', async () => {
    const spec = await box.deploy(
      {
        'index.js': `exports.handler = async (event, ctx) => {
          ctx.logger.info('start ' + event);
          await new Promise((r) => setTimeout(r, 200));
          ctx.logger.info('end ' + event);
          return process.pid;
        };`,
      },
      { instanceConcurrency: 3 },
    );
    const outs = await Promise.all(
      ['a', 'b', 'c'].map((p) => pool.invoke(spec, request({ payload: Buffer.from(p) }))),
    );
    const succeeded = outs.map((o) => expectKind(o, 'succeeded'));
    expect(new Set(succeeded.map((o) => o.instanceId)).size).toBe(1);
    expect(new Set(succeeded.map((o) => o.result.toString())).size).toBe(1);
    succeeded.forEach((o, i) => {
      const own = ['a', 'b', 'c'][i];
      expect(o.logs).toContain(`start ${own}`);
      expect(o.logs).toContain(`end ${own}`);
      expect(o.logs.trim().split('\n')).toHaveLength(2);
    });
  });
});
