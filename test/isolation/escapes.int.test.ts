import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_OPTIONS, sandboxUid, unpackCode, zipFiles } from '@asyncfn/runtime';
import { openLab, TRY, type Attempt, type Lab } from './probe.js';

/*
 * A tenant's function tries to escape its sandbox: read other processes and other functions'
 * code, write its own code, gain privileges, see or signal host processes, reach the control
 * plane. Each probe's error is asserted exactly; where the probe could pass by accident (a path
 * that does not exist anyway), the test first shows that the same probe succeeds from the host.
 */

let lab: Lab;
let listener: net.Server;
let listenerPort: number;
/** The control plane's servers on this machine (deploy/local) and a service-like listener. */
const SERVER_PORTS = [4222, 8222, 27017, 54329, 9092, 4317, 4318, 16686];
const hostAddresses = Object.values(networkInterfaces())
  .flat()
  .filter((a) => a && a.family === 'IPv4' && !a.internal)
  .map((a) => a!.address);

beforeAll(async () => {
  lab = await openLab();
  listener = net.createServer((s) => {
    s.on('error', () => undefined);
    s.end('control plane\n');
  });
  await new Promise<void>((r) => listener.listen(0, '0.0.0.0', r));
  listenerPort = (listener.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await lab.close();
  await new Promise((r) => listener.close(r));
});

const canConnect = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

describe('processes', () => {
  it("cannot read another process's environ or cmdline, nor see or signal host processes", async () => {
    // From the host the executor's own environ is readable: the probe is a real one.
    expect(readFileSync(`/proc/${process.pid}/environ`).length).toBeGreaterThan(0);
    const r = await lab.probe<Record<string, Attempt> & { pids: number[] }>(
      `${TRY}
      const fs = require('node:fs');
      exports.handler = async (event) => {
        const { hostPid } = JSON.parse(event);
        return JSON.stringify({
          environ: attempt(() => fs.readFileSync('/proc/' + hostPid + '/environ', 'latin1')),
          cmdline: attempt(() => fs.readFileSync('/proc/' + hostPid + '/cmdline', 'latin1')),
          signal: attempt(() => process.kill(hostPid, 0)),
          pids: fs.readdirSync('/proc').filter((n) => /^\\d+$/.test(n)).map(Number),
        });
      };`,
      { payload: { hostPid: process.pid } },
    );
    expect(r.environ).toMatchObject({ ok: false, code: 'ENOENT' });
    expect(r.cmdline).toMatchObject({ ok: false, code: 'ENOENT' });
    expect(r.signal).toMatchObject({ ok: false, code: 'ESRCH' });
    // Its own pid namespace: bubblewrap's init (1) and the function's processes, nothing else.
    expect(Math.max(...r.pids)).toBeLessThan(20);
    expect(r.pids).toContain(1);
  });

  it('runs as its tenant’s unprivileged uid, without capabilities, with no_new_privs; setuid fails', async () => {
    const probe = `${TRY}
      exports.handler = async () => {
        const status = require('node:fs').readFileSync('/proc/self/status', 'utf8');
        const field = (k) => new RegExp('^' + k + ':\\\\s+(.*)$', 'm').exec(status)[1].trim();
        return JSON.stringify({
          uid: process.getuid(), gid: process.getgid(), groups: process.getgroups(),
          capEff: field('CapEff'), capBnd: field('CapBnd'), noNewPrivs: field('NoNewPrivs'),
          setuid: attempt(() => process.setuid(0)), setgid: attempt(() => process.setgid(0)),
        });
      };`;
    const a = await lab.probe<Record<string, unknown>>(probe, { tenant: 'tenant-a' });
    const b = await lab.probe<Record<string, unknown>>(probe, { tenant: 'tenant-b' });
    expect(a.uid).toBe(sandboxUid('tenant-a', DEFAULT_SANDBOX_OPTIONS));
    expect(a.gid).toBe(a.uid);
    expect(a.groups).toEqual([a.uid]);
    expect(b.uid).toBe(sandboxUid('tenant-b', DEFAULT_SANDBOX_OPTIONS));
    expect(b.uid).not.toBe(a.uid);
    expect(a).toMatchObject({ capEff: '0000000000000000', capBnd: '0000000000000000', noNewPrivs: '1' });
    // Root is not even mapped in its user namespace: the kernel answers EINVAL, not EPERM.
    expect(a.setuid).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(a.setgid).toMatchObject({ ok: false, code: 'EINVAL' });
  });

  it('sees only the function’s environment variables and FC’s', async () => {
    const keys = await lab.probe<string[]>(
      `exports.handler = async () => JSON.stringify(Object.keys(process.env).sort());`,
      {
        spec: { environmentVariables: { MINE: '1' } },
      },
    );
    // PWD is bubblewrap's (the cwd, /code); NODE_CHANNEL_* are Node's IPC channel.
    const allowed = new Set([
      'MINE',
      'PATH',
      'HOME',
      'PWD',
      'NODE_CHANNEL_FD',
      'NODE_CHANNEL_SERIALIZATION_MODE',
    ]);
    expect(keys.filter((k) => !allowed.has(k) && !k.startsWith('FC_'))).toEqual([]);
    expect(keys).toContain('MINE');
  });

  it("reads no host path in the sandbox's pid 1 (bubblewrap) either", async () => {
    const environ = await lab.probe<string>(
      `exports.handler = async () => JSON.stringify(require('node:fs').readFileSync('/proc/1/environ', 'latin1'));`,
    );
    const vars = environ.split('\0').filter(Boolean);
    expect(vars.length).toBeGreaterThan(0);
    expect(vars.filter((v) => v.startsWith('PWD='))).toEqual(['PWD=/']);
    expect(environ).not.toContain(process.cwd());
  });
});

describe('files', () => {
  it("cannot list or read another function's code, the code cache or the host's files", async () => {
    const other = await lab.box.deploy({ 'index.js': '// tenant-b', 'secret.txt': 'tenant-b secret' });
    // The host reads it: the path is real.
    expect(readFileSync(join(other.codeDir, 'secret.txt'), 'utf8')).toBe('tenant-b secret');
    const r = await lab.probe<Record<string, Attempt>>(
      `${TRY}
      const fs = require('node:fs');
      exports.handler = async (event) => {
        const { codeDir, repo } = JSON.parse(event);
        return JSON.stringify({
          read: attempt(() => fs.readFileSync(codeDir + '/secret.txt', 'utf8')),
          list: attempt(() => fs.readdirSync(codeDir + '/..')),
          repo: attempt(() => fs.readdirSync(repo)),
          root: attempt(() => fs.readdirSync('/').sort()),
          etc: attempt(() => fs.readdirSync('/etc').sort()),
          shadow: attempt(() => fs.readFileSync('/etc/shadow')),
          own: attempt(() => fs.readdirSync('/code')),
        });
      };`,
      { payload: { codeDir: other.codeDir, repo: process.cwd() } },
    );
    expect(r.read).toMatchObject({ ok: false, code: 'ENOENT' });
    expect(r.list).toMatchObject({ ok: false, code: 'ENOENT' });
    expect(r.repo).toMatchObject({ ok: false, code: 'ENOENT' });
    expect(r.shadow).toMatchObject({ ok: false, code: 'ENOENT' });
    expect(r.root!.value).toEqual(expect.arrayContaining(['code', 'usr', 'tmp', 'proc', 'dev']));
    expect(r.root!.value).not.toContain('root');
    expect(r.root!.value).not.toContain('home');
    expect(r.own!.value).toEqual(['index.js']);
  });

  it('cannot write its own code; writes its private /tmp', async () => {
    const r = await lab.probe<Record<string, Attempt>>(`${TRY}
      const fs = require('node:fs');
      exports.handler = async () => JSON.stringify({
        code: attempt(() => fs.writeFileSync('/code/index.js', 'pwned')),
        newFile: attempt(() => fs.writeFileSync('/code/new.js', 'x')),
        usr: attempt(() => fs.writeFileSync('/usr/x', 'x')),
        tmp: attempt(() => { fs.writeFileSync('/tmp/x', 'hello'); return fs.readFileSync('/tmp/x', 'utf8'); }),
      });`);
    expect(r.code).toMatchObject({ ok: false, code: 'EROFS' });
    expect(r.newFile).toMatchObject({ ok: false, code: 'EROFS' });
    expect(r.usr).toMatchObject({ ok: false, code: 'EROFS' });
    expect(r.tmp).toEqual({ ok: true, value: 'hello' });
  });

  it('a tenant’s cached code is root:<its gid>, mode 0750/0640: another uid cannot read it on the host either', async () => {
    const gid = sandboxUid('tenant-a', DEFAULT_SANDBOX_OPTIONS);
    const dir = await unpackCode(zipFiles({ 'index.js': 'secret' }), join(lab.box.root, 'cache'), 'v1', {
      group: gid,
    });
    const file = join(dir, 'index.js');
    expect(statSync(dir)).toMatchObject({ uid: 0, gid, mode: 0o40750 });
    expect(statSync(file)).toMatchObject({ uid: 0, gid, mode: 0o100640 });
    // The cache root is root's only (0700; sandboxes get their dir through root's staging). Open
    // its traversal here so the check below is about the code dir's own rights.
    chmodSync(join(lab.box.root, 'cache'), 0o711);
    const other = sandboxUid('tenant-b', DEFAULT_SANDBOX_OPTIONS);
    const as = (uid: number) => [
      '--reuid',
      String(uid),
      '--regid',
      String(uid),
      '--clear-groups',
      '/bin/cat',
      file,
    ];
    // The tenant's own group reads it; another tenant's uid gets EACCES.
    expect(
      execFileSync(
        '/usr/bin/setpriv',
        ['--reuid', String(gid), '--regid', String(gid), '--clear-groups', '/bin/cat', file],
        { encoding: 'utf8' },
      ),
    ).toBe('secret');
    expect(() => execFileSync('/usr/bin/setpriv', as(other), { stdio: 'pipe' })).toThrow(/Permission denied/);
  });
});

describe('network', () => {
  it('reaches none of the control plane’s ports, on loopback or the host’s addresses', async () => {
    // From the host, NATS and the listener answer: the probe is a real one.
    expect(await canConnect('127.0.0.1', 4222)).toBe(true);
    for (const host of ['127.0.0.1', ...hostAddresses])
      expect(await canConnect(host, listenerPort)).toBe(true);
    const targets = [...SERVER_PORTS, listenerPort].flatMap((port) =>
      ['127.0.0.1', ...hostAddresses].map((host) => ({ host, port })),
    );
    const r = await lab.probe<{ host: string; port: number; result: Attempt }[]>(
      `${TRY}
      exports.handler = async (event) => {
        const { targets } = JSON.parse(event);
        return JSON.stringify(await Promise.all(targets.map(async (t) => ({ ...t, result: await connect(t.host, t.port) }))));
      };`,
      { payload: { targets } },
    );
    expect(r.filter((t) => t.result.ok)).toEqual([]);
    // Its loopback and the host's addresses are its own namespace's: nothing listens there.
    for (const t of r) expect(t.result.code).toBe('ECONNREFUSED');
  });

  it('internetAccess false: no network at all', async () => {
    const r = await lab.probe<Record<string, Attempt>>(
      `${TRY}
      exports.handler = async () => JSON.stringify({
        out: await connect('1.1.1.1', 80),
        host: await connect(${JSON.stringify(hostAddresses[0] ?? '192.0.2.2')}, 22),
        interfaces: { ok: true, value: Object.keys(require('node:os').networkInterfaces()) },
      });`,
      { spec: { internetAccess: false } },
    );
    expect(r.out).toMatchObject({ ok: false, code: 'ENETUNREACH' });
    expect(r.host).toMatchObject({ ok: false, code: 'ENETUNREACH' });
    expect(r.interfaces!.value).toEqual(['lo']);
  });

  it('internetAccess true (the default): egress through the user-mode network', async () => {
    const r = await lab.probe<Record<string, Attempt>>(`${TRY}
      exports.handler = async () => {
        const { address } = await require('node:dns').promises.lookup('deb.debian.org', { family: 4 });
        return JSON.stringify({ web: await connect(address, 80, 5000) });
      };`);
    expect(r.web).toEqual({ ok: true });
  });

  it('an operator-allowlisted host port is reachable at 127.0.0.1:<port>, and only that one', async () => {
    const allowed = await openLab({ hostPorts: [listenerPort] });
    try {
      const r = await allowed.probe<Record<string, Attempt>>(
        `${TRY}
        exports.handler = async () => JSON.stringify({ allowed: await connect('127.0.0.1', ${listenerPort}), nats: await connect('127.0.0.1', 4222) });`,
      );
      expect(r.allowed).toEqual({ ok: true });
      expect(r.nats).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    } finally {
      await allowed.close();
    }
  });
});

describe('the same probes without the sandbox (ASYNCFN_SANDBOX=none)', () => {
  it('read the host’s processes and reach the control plane: what the sandbox takes away', async () => {
    const open = await openLab({ mode: 'none' });
    try {
      const r = await open.probe<Record<string, Attempt>>(
        `${TRY}
        exports.handler = async (event) => {
          const { hostPid } = JSON.parse(event);
          return JSON.stringify({
            environ: attempt(() => require('node:fs').readFileSync('/proc/' + hostPid + '/environ', 'latin1').length),
            nats: await connect('127.0.0.1', 4222),
            uid: { ok: true, value: process.getuid() },
          });
        };`,
        { payload: { hostPid: process.pid } },
      );
      expect(r.environ!.ok).toBe(true);
      expect(r.nats).toEqual({ ok: true });
      expect(r.uid!.value).toBe(0);
    } finally {
      await open.close();
    }
  });
});
