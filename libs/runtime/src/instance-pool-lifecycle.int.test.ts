import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PoolClosedError } from './errors.js';
import { createInstancePool } from './instance-pool.js';
import { createSandbox, markerFile, request, stopOnceBusy, until, type Sandbox } from './test-support.js';
import type { InstanceEvent, InstancePool, InstancePoolOptions } from './types.js';

let box: Sandbox;
let pool: InstancePool;
let events: InstanceEvent[];

function makePool(options: Partial<InstancePoolOptions> = {}): InstancePool {
  pool = createInstancePool({
    sandbox: box.poolSandbox,
    idleTimeoutMs: 60_000,
    onInstanceEvent: (e) => events.push(e),
    ...options,
  });
  return pool;
}

beforeEach(async () => {
  box = await createSandbox();
  events = [];
  makePool();
});
afterEach(async () => {
  await pool.shutdown();
  await box.cleanup();
});

const destroyed = () => events.filter((e) => e.type === 'destroyed');

/** A preStop that proves it ran: a stdout line and a marker file (visible even when no one captures logs). */
const PRE_STOP = `exports.preStop = async (ctx) => {
  console.log('preStop ran for ' + ctx.requestId);
  require('node:fs').appendFileSync(process.env.MARKER, 'preStop\\n');
};`;

function withPreStop(extra: Record<string, string> = {}) {
  const marker = markerFile(box);
  return {
    marker: marker.path,
    overrides: {
      preStop: { handler: 'index.preStop', timeoutSeconds: 3 },
      environmentVariables: { MARKER: marker.path, ...extra },
    },
    preStopRuns: async () => (await marker.lines()).length,
  };
}

describe('timeouts and stops', () => {
  it('a handler running past its timeout is timedOut in about timeoutSeconds, and its instance discarded', async () => {
    const spec = await box.deploy(
      {
        'index.js': `exports.handler = async (e, ctx) => {
          ctx.signal.addEventListener('abort', () => console.log('aborted: ' + ctx.signal.reason.name));
          await new Promise((r) => setTimeout(r, 5000));
          return 'late';
        };`,
      },
      { timeoutSeconds: 1 },
    );
    const t0 = Date.now();
    const out = await pool.invoke(spec, request());
    const elapsed = Date.now() - t0;
    expect(out).toMatchObject({ kind: 'timedOut', errorMessage: 'Function timed out after 1 seconds' });
    expect(out.logs).toContain('aborted: TimeoutError');
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(2000);
    expect(pool.list()).toEqual([]);
    expect(destroyed()).toMatchObject([{ reason: 'timedOut' }]);
  });

  it('aborting the signal forwards the abort, runs preStop (logged) and ends stopped', async () => {
    const { overrides, preStopRuns } = withPreStop();
    const spec = await box.deploy(
      {
        'index.js': `${PRE_STOP}
          exports.handler = async (e, ctx) => {
            console.log('working');
            ctx.signal.addEventListener('abort', () => console.log('handler saw ' + ctx.signal.reason.name));
            await new Promise((r) => setTimeout(r, 10000));
          };`,
      },
      overrides,
    );
    const controller = new AbortController();
    const req = request();
    const { outcome: out, stopMs } = await stopOnceBusy(
      pool,
      controller,
      pool.invoke(spec, req, controller.signal),
    );
    expect(out.kind).toBe('stopped');
    expect(stopMs).toBeLessThan(2000);
    expect(out.logs).toContain('working');
    expect(out.logs).toContain('handler saw AbortError');
    expect(out.logs).toMatch(new RegExp(`preStop ran for ${req.requestId}`));
    expect(await preStopRuns()).toBe(1);
    expect(pool.list()).toEqual([]);
  });

  it('aborting while the instance is still starting stops without running the handler', async () => {
    const spec = await box.deploy(
      {
        'index.js': `exports.init = () => new Promise((r) => setTimeout(r, 500));
          exports.handler = async () => { console.log('handler ran'); return 1; };`,
      },
      { initializer: { handler: 'index.init', timeoutSeconds: 5 } },
    );
    const controller = new AbortController();
    const pending = pool.invoke(spec, request(), controller.signal);
    setTimeout(() => controller.abort(), 50);
    const out = await pending;
    expect(out.kind).toBe('stopped');
    expect(out.logs).not.toContain('handler ran');
  });

  it('an already-aborted signal stops at once', async () => {
    const spec = await box.deploy({ 'index.js': 'exports.handler = async () => 1;' });
    expect(await pool.invoke(spec, request(), AbortSignal.abort())).toMatchObject({ kind: 'stopped' });
    expect(events).toEqual([]);
  });
});

describe('preFreeze and forced stops', () => {
  it('preFreeze runs each time the instance becomes idle; an invocation arriving meanwhile waits for it', async () => {
    const { marker, overrides } = withPreStop();
    const spec = await box.deploy(
      {
        'index.js': `const fs = require('node:fs');
          const mark = (what) => fs.appendFileSync(process.env.MARKER, what + '\\n');
          exports.init = async () => mark('initialize');
          exports.preFreeze = async () => { await new Promise((r) => setTimeout(r, 200)); mark('preFreeze'); };
          exports.preStop = async () => mark('preStop');
          exports.handler = async () => { mark('invoke'); return 'ok'; };`,
      },
      {
        ...overrides,
        initializer: { handler: 'index.init', timeoutSeconds: 3 },
        preFreeze: { handler: 'index.preFreeze', timeoutSeconds: 3 },
      },
    );
    const first = await pool.invoke(spec, request());
    expect(pool.list()[0]?.status).toBe('freezing');
    const second = await pool.invoke(spec, request()); // queued behind preFreeze, same instance
    expect(second).toMatchObject({ kind: 'succeeded', coldStart: false, instanceId: first.instanceId });
    await until(() => pool.list()[0]?.status === 'frozen');
    await pool.shutdown();
    const order = (await readFile(marker, 'utf8')).split('\n').filter(Boolean);
    expect(order).toEqual(['initialize', 'invoke', 'preFreeze', 'invoke', 'preFreeze', 'preStop']);
  });

  it('a preFreeze that overruns its timeout discards the instance', async () => {
    const spec = await box.deploy(
      {
        'index.js': `exports.preFreeze = () => new Promise(() => {});
          exports.handler = async () => 'ok';`,
      },
      { preFreeze: { handler: 'index.preFreeze', timeoutSeconds: 1 } },
    );
    expect((await pool.invoke(spec, request())).kind).toBe('succeeded');
    await until(() => destroyed().length === 1, 3000);
    expect(destroyed()).toMatchObject([{ reason: 'preFreezeTimedOut' }]);
  });

  it('the kill signal ends a graceful stop early: preStop is cut short at the deadline', async () => {
    const { overrides } = withPreStop();
    const spec = await box.deploy(
      {
        'index.js': `exports.preStop = async () => { console.log('preStop started'); await new Promise((r) => setTimeout(r, 5000)); console.log('preStop finished'); };
          exports.handler = () => new Promise((r) => setTimeout(r, 10000));`,
      },
      { ...overrides, preStop: { handler: 'index.preStop', timeoutSeconds: 5 } },
    );
    const stop = new AbortController();
    const kill = new AbortController();
    const running = pool.invoke(spec, request(), stop.signal, { kill: kill.signal });
    await until(() => pool.list()[0]?.status === 'busy');
    const t0 = Date.now();
    stop.abort();
    setTimeout(() => kill.abort(), 300);
    const out = await running;
    const elapsed = Date.now() - t0;
    expect(out.kind).toBe('stopped');
    expect(out.logs).toContain('preStop started');
    expect(out.logs).not.toContain('preStop finished');
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(1000);
  });

  it('the kill signal alone stops at once without preStop', async () => {
    const { overrides, preStopRuns } = withPreStop();
    const spec = await box.deploy(
      { 'index.js': `${PRE_STOP}\nexports.handler = () => new Promise((r) => setTimeout(r, 10000));` },
      overrides,
    );
    const kill = new AbortController();
    const running = pool.invoke(spec, request(), undefined, { kill: kill.signal });
    await until(() => pool.list()[0]?.status === 'busy');
    const t0 = Date.now();
    kill.abort();
    expect((await running).kind).toBe('stopped');
    expect(Date.now() - t0).toBeLessThan(500);
    expect(await preStopRuns()).toBe(0);
  });
});

describe('crashes', () => {
  it('process.exit(3) crashes the call; the pool keeps working afterwards', async () => {
    const spec = await box.deploy({
      'index.js': `exports.handler = async (event) => {
        if (event.toString() === 'die') { console.log('exiting'); process.exit(3); }
        return 'alive';
      };`,
    });
    const crashed = await pool.invoke(spec, request({ payload: Buffer.from('die') }));
    expect(crashed).toMatchObject({ kind: 'crashed', errorMessage: 'Process exited with code 3' });
    expect(crashed.logs).toContain('exiting');
    expect(destroyed()).toMatchObject([{ reason: 'crashed' }]);
    const next = await pool.invoke(spec, request({ payload: Buffer.from('ok') }));
    expect(next).toMatchObject({ kind: 'succeeded', coldStart: true });
    expect(next.instanceId).not.toBe(crashed.instanceId);
  });

  it('a crash fails every invocation in flight on that instance', async () => {
    const spec = await box.deploy(
      {
        'index.js': `exports.handler = async (event) => {
          if (event.toString() === 'die') setTimeout(() => process.exit(1), 100);
          await new Promise((r) => setTimeout(r, 2000));
        };`,
      },
      { instanceConcurrency: 2 },
    );
    const outs = await Promise.all([
      pool.invoke(spec, request({ payload: Buffer.from('die') })),
      pool.invoke(spec, request({ payload: Buffer.from('wait') })),
    ]);
    expect(outs).toMatchObject([
      { kind: 'crashed', errorMessage: 'Process exited with code 1' },
      { kind: 'crashed', errorMessage: 'Process exited with code 1' },
    ]);
  });

  it('running out of heap crashes with a memory message (cgroup limit or V8 heap cap, RSS guard off)', async () => {
    makePool({ memoryCheckIntervalMs: 0 });
    const spec = await box.deploy(
      {
        'index.js': `exports.handler = async () => {
          const hoard = [];
          for (;;) hoard.push(new Array(100000).fill({ x: Math.random() }));
        };`,
      },
      { memorySizeMB: 64 },
    );
    const out = await pool.invoke(spec, request());
    expect(out).toMatchObject({ kind: 'crashed', errorMessage: 'Process ran out of memory (limit 64 MB)' });
    // Sandboxed, the cgroup's limit (heap + the rest of the process) is usually reached before V8's
    // heap cap, and the kernel kills without a word; unsandboxed, V8 aborts saying "heap".
    if (!box.poolSandbox || out.logs) expect(out.logs).toMatch(/heap/i);
    const after = await pool.invoke({ ...spec, handler: 'index.handler' }, request());
    expect(after.kind).toBe('crashed'); // still the same function: it dies again, the pool does not
  });

  it('memory outside the JS heap is caught (the cgroup limit; unsandboxed, the RSS guard)', async () => {
    const spec = await box.deploy(
      {
        'index.js': `exports.handler = async () => {
          const held = [];
          for (let i = 0; i < 40; i++) {
            held.push(Buffer.alloc(16 * 1024 * 1024, 1)); // off-heap: --max-old-space-size cannot see it
            await new Promise((r) => setTimeout(r, 20));
          }
          return 'survived with ' + held.length * 16 + ' MB';
        };`,
      },
      { memorySizeMB: 128 },
    );
    const out = await pool.invoke(spec, request());
    expect(out).toMatchObject({ kind: 'crashed', errorMessage: 'Process ran out of memory (limit 128 MB)' });
    // The kernel stops it at the limit (a cgroup cannot go over); the RSS guard samples a bit past it.
    expect(out.usage?.peakMemoryMB).toBeGreaterThanOrEqual(100);
    expect(destroyed()).toMatchObject([{ reason: 'outOfMemory' }]);
  });

  it('an uncaught exception outside any invocation is a crash of the idle instance only', async () => {
    const spec = await box.deploy({
      'index.js': `exports.handler = async () => { setTimeout(() => { throw new Error('late boom'); }, 50); return 'ok'; };`,
    });
    expect((await pool.invoke(spec, request())).kind).toBe('succeeded');
    await until(() => destroyed().length === 1);
    expect(destroyed()).toMatchObject([{ reason: 'crashed' }]);
    expect((await pool.invoke(spec, request())).kind).toBe('succeeded');
  });
});

describe('broken deployments', () => {
  it.each([
    ['a missing code dir', (dir: string) => join(dir, 'does-not-exist')],
    ['a code dir that is a file', (dir: string) => join(dir, 'index.js')],
  ])('%s crashes the call without hurting the pool', async (_name, codeDirOf) => {
    const spec = await box.deploy({ 'index.js': "exports.handler = async () => 'ok';" });
    const out = await pool.invoke({ ...spec, codeDir: codeDirOf(spec.codeDir) }, request());
    expect(out).toMatchObject({ kind: 'crashed', errorMessage: /Failed to start instance process/ });
    await until(() => pool.list().length === 0);
    expect((await pool.invoke(spec, request())).kind).toBe('succeeded');
  });
});

describe('reclaiming instances', () => {
  it('idle instances are destroyed after idleTimeoutMs, preStop first', async () => {
    makePool({ idleTimeoutMs: 300 });
    const { overrides, preStopRuns } = withPreStop();
    const spec = await box.deploy(
      { 'index.js': `${PRE_STOP}\nexports.handler = async () => 'ok';` },
      overrides,
    );
    expect((await pool.invoke(spec, request())).kind).toBe('succeeded');
    expect(pool.list()).toHaveLength(1);
    await until(() => pool.list().length === 0, 3000);
    expect(await preStopRuns()).toBe(1);
    expect(destroyed()).toMatchObject([{ reason: 'idle', invocations: 1 }]);
  });

  it('a new version retires idle instances of the old one', async () => {
    const v1 = await box.deploy({ 'index.js': "exports.handler = async () => 'v1';" });
    const v2 = await box.deploy({ 'index.js': "exports.handler = async () => 'v2';" });
    const a = await pool.invoke(v1, request());
    const b = await pool.invoke(v2, request());
    expect([a.kind, b.kind]).toEqual(['succeeded', 'succeeded']);
    await until(() => destroyed().length === 1);
    expect(destroyed()).toMatchObject([{ versionId: v1.versionId, reason: 'versionReplaced' }]);
    expect(pool.list().map((i) => i.versionId)).toEqual([v2.versionId]);
  });

  it('retire(key) destroys the function’s instances with preStop; other functions keep theirs', async () => {
    const { overrides, preStopRuns } = withPreStop();
    const spec = await box.deploy(
      { 'index.js': `${PRE_STOP}\nexports.handler = async () => 'ok';` },
      overrides,
    );
    const other = await box.deploy(
      { 'index.js': "exports.handler = async () => 'other';" },
      { key: 'tenant-b/fn' },
    );
    await Promise.all([pool.invoke(spec, request()), pool.invoke(other, request())]);
    await pool.retire(spec.key);
    expect(await preStopRuns()).toBe(1);
    expect(pool.list().map((i) => i.key)).toEqual(['tenant-b/fn']);
  });

  it('shutdown runs preStop, ends in-flight calls as crashed and refuses new ones', async () => {
    const { overrides, preStopRuns } = withPreStop();
    const spec = await box.deploy(
      { 'index.js': `${PRE_STOP}\nexports.handler = () => new Promise((r) => setTimeout(r, 10000));` },
      overrides,
    );
    const running = pool.invoke(spec, request());
    await until(() => pool.list()[0]?.status === 'busy');
    await pool.shutdown();
    expect(await running).toMatchObject({
      kind: 'crashed',
      errorMessage: 'Instance was destroyed because the executor is shutting down',
    });
    expect(await preStopRuns()).toBe(1);
    await expect(pool.invoke(spec, request())).rejects.toBeInstanceOf(PoolClosedError);
  });
});
