import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_OPTIONS, instanceShell, sandboxUid, type InvokeOutcome } from '@asyncfn/runtime';
import { request } from '../../libs/runtime/src/test-support.js';
import { openLab, TRY, type Attempt, type Lab } from './probe.js';

/*
 * The sandbox's limits and lifecycle: memory (the kernel's, for every process of the instance),
 * processes, /tmp; timeouts and stops leave nothing behind; custom runtimes on their own port;
 * hooks in the same sandbox; a shell in a running instance.
 */

let lab: Lab;
beforeAll(async () => {
  lab = await openLab({ pidsMax: 64, tmpSizeMB: 16 });
});
afterAll(() => lab.close());

const OOM = (mb: number) => `Process ran out of memory (limit ${mb} MB)`;

/** Host processes running as `uid` (the sandbox's processes are visible to the host's /proc). */
function processesOf(uid: number): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((pid) => {
      try {
        return new RegExp(`^Uid:\\s+${uid}\\s`, 'm').test(readFileSync(`/proc/${pid}/status`, 'utf8'));
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('memory', () => {
  it('3× memorySize: the kernel kills it, the attempt is out of memory, the next call runs', async () => {
    const source = `exports.handler = async (event) => {
      if (event.toString() === '"hog"') {
        const held = [];
        for (let i = 0; i < 24; i++) held.push(Buffer.alloc(16 * 1024 * 1024, 1)); // 384 MB, off the JS heap
        return 'survived';
      }
      return 'fine';
    };`;
    const spec = await lab.box.deploy({ 'index.js': source }, { key: 'tenant-a/hog', memorySizeMB: 128 });
    const out = await lab.pool.invoke(spec, request({ payload: Buffer.from('"hog"') }));
    expect(out).toMatchObject({ kind: 'crashed', errorMessage: OOM(128) });
    const next = await lab.pool.invoke(spec, request());
    expect(next).toMatchObject({ kind: 'succeeded' });
    expect((next as Extract<InvokeOutcome, { kind: 'succeeded' }>).result.toString()).toBe('fine');
  });

  it('a child process of the function counts too: 600 MB in a child of a 128 MB function is stopped', async () => {
    const out = await lab.run(
      `exports.handler = async () => {
        const r = require('node:child_process').spawnSync(process.execPath, ['-e',
          'const b = []; for (let i = 0; i < 40; i++) b.push(Buffer.alloc(16 * 1024 * 1024, 1)); console.log("child survived")'], { encoding: 'utf8' });
        return JSON.stringify({ status: r.status, signal: r.signal, out: r.stdout });
      };`,
      { spec: { memorySizeMB: 128 } },
    );
    // The kernel kills the child at the instance's limit; the function may still answer (it
    // survived), but its instance is then ended as an out-of-memory casualty.
    if (out.kind === 'succeeded') {
      expect(JSON.parse(out.result.toString())).toEqual({ status: null, signal: 'SIGKILL', out: '' });
      await until(() => lab.pool.list().every((i) => i.instanceId !== out.instanceId));
    } else {
      expect(out).toMatchObject({ kind: 'crashed', errorMessage: OOM(128) });
    }
  });
});

describe('bad input', () => {
  it('a memorySize the host cannot grant fails the call clearly, never unconfined', async () => {
    const out = await lab.run(`exports.handler = async () => 'ran';`, {
      spec: { memorySizeMB: 64 * 1024 * 1024 },
    });
    expect(out.kind).toBe('crashed');
    expect((out as Extract<InvokeOutcome, { kind: 'crashed' }>).errorMessage).toMatch(
      /memorySize 67108864 MB is more than this executor can grant \(\d+ MB\)/,
    );
  });
});

describe('processes and /tmp', () => {
  it('a fork bomb is capped at pids.max and the machine stays responsive', async () => {
    const t0 = Date.now();
    const r = await lab.probe<{ started: number; visible: number }>(
      `exports.handler = async () => {
        const { spawn } = require('node:child_process');
        let started = 0;
        for (let i = 0; i < 500; i++) {
          const ok = await new Promise((resolve) => {
            const c = spawn('/bin/sleep', ['60'], { stdio: 'ignore' });
            c.once('spawn', () => resolve(true));
            c.once('error', () => resolve(false));
          });
          if (ok) started++; else break;
        }
        const visible = require('node:fs').readdirSync('/proc').filter((n) => /^\\d+$/.test(n)).length;
        return JSON.stringify({ started, visible });
      };`,
      { spec: { timeoutSeconds: 30 } },
    );
    // pids.max = 64 counts the instance's threads too (node has about a dozen).
    expect(r.started).toBeGreaterThan(10);
    expect(r.started).toBeLessThan(64);
    expect(r.visible).toBeLessThanOrEqual(64);
    // Another function still starts and answers promptly.
    const other = await lab.run(`exports.handler = async () => 'alive';`, { tenant: 'tenant-b' });
    expect(other.kind).toBe('succeeded');
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it('/tmp is private, writable and capped (ENOSPC at ASYNCFN_SANDBOX_TMP_MB)', async () => {
    const r = await lab.probe<{ wroteMB: number; error: Attempt }>(
      `${TRY}
      const fs = require('node:fs');
      exports.handler = async () => {
        const mb = Buffer.alloc(1024 * 1024, 1);
        let wroteMB = 0;
        const error = attempt(() => { for (let i = 0; i < 64; i++) { fs.appendFileSync('/tmp/fill', mb); wroteMB++; } });
        return JSON.stringify({ wroteMB, error });
      };`,
      { spec: { memorySizeMB: 256 } },
    );
    expect(r.error).toMatchObject({ ok: false, code: 'ENOSPC' });
    expect(r.wroteMB).toBeGreaterThanOrEqual(14);
    expect(r.wroteMB).toBeLessThanOrEqual(16);
  });
});

describe('stop and timeout', () => {
  it('a timeout kills the whole sandbox: no process of the tenant is left, the cgroup is gone', async () => {
    const tenant = 'tenant-orphans';
    const uid = sandboxUid(tenant, DEFAULT_SANDBOX_OPTIONS);
    const out = await lab.run(
      `exports.handler = async () => {
        const { spawn } = require('node:child_process');
        spawn('/bin/sh', ['-c', 'sleep 300 & sleep 300 & wait'], { detached: true, stdio: 'ignore' }).unref();
        await new Promise((r) => setTimeout(r, 60_000));
      };`,
      { tenant, spec: { timeoutSeconds: 1 } },
    );
    expect(out).toMatchObject({ kind: 'timedOut' });
    await until(() => processesOf(uid).length === 0);
    const cgroup = `/sys/fs/cgroup/memory/asyncfn/${out.instanceId}`;
    await until(() => !existsSync(cgroup));
  });

  it('a stop runs preStop in the sandbox first, then kills everything', async () => {
    const tenant = 'tenant-stopped';
    const uid = sandboxUid(tenant, DEFAULT_SANDBOX_OPTIONS);
    const marker = join(lab.box.markers, 'prestop');
    const spec = await lab.box.deploy(
      {
        'index.js': `
          const fs = require('node:fs');
          exports.preStop = async () => fs.writeFileSync(process.env.MARKER, JSON.stringify({ uid: process.getuid(), pids: fs.readdirSync('/proc').filter((n) => /^\\d+$/.test(n)).length }));
          exports.handler = async (event, context) => {
            require('node:child_process').spawn('/bin/sleep', ['300'], { detached: true, stdio: 'ignore' }).unref();
            await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
          };`,
      },
      {
        key: `${tenant}/stop`,
        preStop: { handler: 'index.preStop', timeoutSeconds: 3 },
        environmentVariables: { MARKER: marker },
      },
    );
    const stop = new AbortController();
    const running = lab.pool.invoke(spec, request({ tenant }), stop.signal);
    // Running the handler (not still starting), its sleep started.
    await until(() => lab.pool.list(spec.key).some((i) => i.status === 'busy'), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    stop.abort();
    const stopped = await running;
    expect(stopped, stopped.logs).toMatchObject({ kind: 'stopped' });
    const seen = JSON.parse(readFileSync(marker, 'utf8')) as { uid: number; pids: number };
    expect(seen.uid).toBe(uid);
    await until(() => processesOf(uid).length === 0);
  });
});

describe('custom runtime and hooks', () => {
  const SERVER = `
import json, os, http.server
STATE = {}
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.path == "/initialize":
            STATE["init_uid"] = os.getuid()
            body = b""
        else:
            body = json.dumps({"uid": os.getuid(), "init_uid": STATE.get("init_uid"), "port": self.server.server_address[1], "cwd": os.getcwd()}).encode()
        self.send_response(200); self.send_header("content-length", str(len(body))); self.end_headers(); self.wfile.write(body)
http.server.HTTPServer(("0.0.0.0", 9000), H).serve_forever()
`;

  it.each([true, false])(
    'listens on its own port 9000 (internetAccess %s), its initializer in the same sandbox',
    async (internetAccess) => {
      const tenant = 'tenant-custom';
      const spec = await lab.box.deploy(
        { 'server.py': SERVER },
        {
          key: `${tenant}/py-${internetAccess}`,
          runtime: 'custom.debian12',
          customRuntime: { command: ['python3', '-u', 'server.py'] },
          initializer: { handler: 'true', timeoutSeconds: 10 },
          internetAccess,
        },
      );
      // Twice at once: two instances, both on port 9000 in their own network namespaces.
      const outs = await Promise.all([
        lab.pool.invoke(spec, request({ tenant })),
        lab.pool.invoke(spec, request({ tenant })),
      ]);
      for (const out of outs) {
        expect(out.kind, JSON.stringify(out)).toBe('succeeded');
        const body = JSON.parse((out as Extract<InvokeOutcome, { kind: 'succeeded' }>).result.toString());
        const uid = sandboxUid(tenant, DEFAULT_SANDBOX_OPTIONS);
        expect(body).toEqual({ uid, init_uid: uid, port: 9000, cwd: '/code' });
      }
      expect(new Set(outs.map((o) => o.instanceId)).size).toBe(2);
    },
  );

  it('Node hooks run in the sandbox too: the initializer sees the same uid and pid namespace', async () => {
    const r = await lab.probe<{ init: { uid: number; pid: number }; handler: { uid: number; pid: number } }>(
      `let init;
      exports.init = async () => { init = { uid: process.getuid(), pid: process.pid }; };
      exports.handler = async () => JSON.stringify({ init, handler: { uid: process.getuid(), pid: process.pid } });`,
      { tenant: 'tenant-hooks', spec: { initializer: { handler: 'index.init', timeoutSeconds: 5 } } },
    );
    expect(r.init.uid).toBe(sandboxUid('tenant-hooks', DEFAULT_SANDBOX_OPTIONS));
    expect(r.init).toEqual(r.handler);
    expect(r.handler.pid).toBeLessThan(10);
  });
});

describe('instanceShell', () => {
  it('runs a command inside a running instance with the function’s rights', async () => {
    const tenant = 'tenant-shell';
    const out = await lab.run(`exports.handler = async () => 'warm';`, {
      tenant,
      files: { 'data.txt': 'code file' },
    });
    expect(out.kind).toBe('succeeded');
    const cmd = instanceShell(out.instanceId, [
      '/bin/sh',
      '-c',
      'id -u; cat /code/data.txt; echo; ls /proc | grep -c "^[0-9]"; cat /proc/self/status | grep -E "^(CapEff|NoNewPrivs)"',
    ]);
    expect(cmd).toBeDefined();
    const res = spawnSync(cmd!.file, cmd!.args, { env: cmd!.env, encoding: 'utf8' });
    expect(res.stderr).toBe('');
    const [uid, data, pids, capEff, nnp] = res.stdout.trim().split('\n');
    expect(Number(uid)).toBe(sandboxUid(tenant, DEFAULT_SANDBOX_OPTIONS));
    expect(data).toBe('code file');
    expect(Number(pids)).toBeLessThan(10);
    expect(capEff).toMatch(/CapEff:\s+0+$/);
    expect(nnp).toMatch(/NoNewPrivs:\s+1/);
    expect(instanceShell('no-such-instance')).toBeUndefined();
  });
});
