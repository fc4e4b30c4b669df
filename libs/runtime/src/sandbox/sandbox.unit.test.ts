import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createInstanceCgroup, detectCgroups } from './cgroup.js';
import { environmentArgs, sandboxCommand, type SandboxCommandInput } from './command.js';
import { DEFAULT_SANDBOX_OPTIONS, sandboxUid } from './options.js';

const input: SandboxCommandInput = {
  uid: 123_456,
  procsFiles: [
    '/sys/fs/cgroup/memory/asyncfn/i1/cgroup.procs',
    '/sys/fs/cgroup/pids/asyncfn/i1/cgroup.procs',
  ],
  network: { kind: 'none' },
  tmpSizeMB: 512,
  hostname: 'fc-instance',
  codeDir: "/root/.cache/code/t/f/it's",
  stageDir: '/run/asyncfn-sandbox',
  argsFd: 4,
  readOnly: [{ src: '/repo/libs/runtime/src', dest: '/opt/asyncfn/runtime' }],
  system: { symlinks: [{ src: 'usr/bin', dest: '/bin' }], binds: ['/usr'] },
  command: ['/usr/bin/node', 'shim.mjs'],
};

/** The value after each occurrence of `flag`. */
const after = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));

describe('sandboxCommand', () => {
  it('joins the cgroups and stages host dirs as root in a private mount namespace, then drops to the uid', () => {
    const { file, args } = sandboxCommand(input);
    expect(file).toBe('/usr/bin/unshare');
    expect(args.slice(0, 5)).toEqual(['--mount', '--propagation', 'private', '--', '/bin/sh']);
    // Paths are arguments, not script text: a quote in a path cannot inject shell code.
    const script = args[6]!;
    expect(script).not.toContain('/root');
    const rest = args.slice(8);
    expect(rest.slice(0, 3)).toEqual(['2', ...input.procsFiles]);
    expect(rest.slice(3, 10)).toEqual([
      '2',
      'ro',
      input.codeDir,
      '/run/asyncfn-sandbox/0',
      'ro',
      '/repo/libs/runtime/src',
      '/run/asyncfn-sandbox/1',
    ]);
    expect(rest.slice(10, 16)).toEqual([
      '/usr/bin/setpriv',
      '--reuid=123456',
      '--regid=123456',
      '--clear-groups',
      '--pdeathsig=KILL',
      '--',
    ]);
  });

  it('gives bwrap every namespace, no capabilities, the code read-only at /code and a capped /tmp', () => {
    const { args } = sandboxCommand(input);
    const bwrap = args.slice(args.indexOf('/usr/bin/bwrap'));
    for (const flag of [
      '--unshare-user',
      '--unshare-pid',
      '--unshare-ipc',
      '--unshare-uts',
      '--unshare-net',
      '--die-with-parent',
      '--new-session',
    ]) {
      expect(bwrap).toContain(flag);
    }
    expect(after(bwrap, '--cap-drop')).toEqual(['ALL']);
    expect(after(bwrap, '--uid')).toEqual(['123456']);
    expect(after(bwrap, '--ro-bind')).toContain('/run/asyncfn-sandbox/0');
    expect(bwrap[bwrap.indexOf('/run/asyncfn-sandbox/0') + 1]).toBe('/code');
    expect(after(bwrap, '--size')).toEqual([String(512 * 1024 * 1024)]);
    expect(bwrap[bwrap.indexOf('--size') + 2]).toBe('--tmpfs');
    expect(after(bwrap, '--chdir')).toEqual(['/code']);
    expect(after(bwrap, '--args')).toEqual(['4']);
    expect(bwrap.slice(-3)).toEqual(['--', '/usr/bin/node', 'shim.mjs']);
    // Nothing of the host's /etc but what a runtime needs; no pasta without a network.
    expect(after(bwrap, '--ro-bind-try')).not.toContain('/etc/passwd');
    expect(args).not.toContain('/usr/bin/pasta');
  });

  it('with internet: pasta gives egress, never maps the gateway to the host, forwards only what it is told', () => {
    const { args } = sandboxCommand({
      ...input,
      network: {
        kind: 'pasta',
        internet: true,
        forward: { hostPort: 40_000, port: 9000 },
        hostPorts: [4318],
      },
    });
    const pasta = args.slice(args.indexOf('/usr/bin/pasta'), args.indexOf('/usr/bin/bwrap'));
    expect(pasta).toContain('--config-net');
    expect(pasta).toContain('--no-map-gw');
    expect(after(pasta, '-t')).toEqual(['127.0.0.1/40000:9000']);
    expect(after(pasta, '-T')).toEqual(['4318']);
    expect(after(pasta, '-u')).toEqual(['none']);
    expect(after(pasta, '-U')).toEqual(['4318']);
    // pasta made the network namespace; bwrap must not make another.
    expect(args.slice(args.indexOf('/usr/bin/bwrap'))).not.toContain('--unshare-net');
  });

  it('without internet a custom runtime still gets its port, but no configured interface', () => {
    const { args } = sandboxCommand({
      ...input,
      network: { kind: 'pasta', internet: false, forward: { hostPort: 40_000, port: 9000 }, hostPorts: [] },
    });
    const pasta = args.slice(args.indexOf('/usr/bin/pasta'), args.indexOf('/usr/bin/bwrap'));
    expect(pasta).not.toContain('--config-net');
    expect(after(pasta, '-T')).toEqual(['none']);
  });

  it('refuses uid 0', () => {
    expect(() => sandboxCommand({ ...input, uid: 0 })).toThrow(/root/);
  });

  it('passes the environment NUL-separated, after --clearenv', () => {
    expect(environmentArgs({ A: '1', B: 'x y' }).toString()).toBe(
      ['--clearenv', '--setenv', 'A', '1', '--setenv', 'B', 'x y', ''].join('\0'),
    );
  });
});

describe('sandboxUid', () => {
  it('is deterministic per tenant, different between tenants, in the documented range', () => {
    const a = sandboxUid('tenant-a', DEFAULT_SANDBOX_OPTIONS);
    expect(sandboxUid('tenant-a', DEFAULT_SANDBOX_OPTIONS)).toBe(a);
    expect(sandboxUid('tenant-b', DEFAULT_SANDBOX_OPTIONS)).not.toBe(a);
    for (const t of ['', 'x', 'a'.repeat(200)]) {
      const uid = sandboxUid(t, DEFAULT_SANDBOX_OPTIONS);
      expect(uid).toBeGreaterThanOrEqual(100_000);
      expect(uid).toBeLessThan(100_000 + 1_000_000_000);
    }
  });
});

describe('cgroups', () => {
  let dir: string | undefined;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('uses v1 controllers where the unified hierarchy has none (these machines)', () => {
    const mounts = [
      'cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0',
      'cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0',
      'cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0',
      'cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0',
      'cgroup2 /nonexistent/unified cgroup2 rw,relatime 0 0',
    ].join('\n');
    expect(detectCgroups(mounts)).toEqual({
      version: 1,
      controllers: {
        cpu: '/sys/fs/cgroup/cpu',
        cpuacct: '/sys/fs/cgroup/cpuacct',
        memory: '/sys/fs/cgroup/memory',
        pids: '/sys/fs/cgroup/pids',
      },
    });
  });

  it('prefers v2 when it has memory and pids, and writes its limits', () => {
    dir = mkdtempSync(join(tmpdir(), 'cg2-'));
    writeFileSync(join(dir, 'cgroup.controllers'), 'cpu memory pids\n');
    writeFileSync(join(dir, 'cgroup.subtree_control'), '');
    const layout = detectCgroups(`cgroup2 ${dir} cgroup2 rw 0 0\ncgroup /x/memory cgroup rw,memory 0 0`);
    expect(layout.version).toBe(2);
    const cg = createInstanceCgroup(layout, 'asyncfn', 'i1', {
      memoryMB: 128,
      pidsMax: 64,
      cpuWeight: 0.125,
    });
    const read = (f: string) => readFileSync(join(dir!, 'asyncfn', 'i1', f), 'utf8');
    expect(read('memory.max')).toBe(String(128 * 1024 * 1024));
    expect(read('pids.max')).toBe('64');
    expect(readFileSync(join(dir, 'cgroup.subtree_control'), 'utf8')).toBe('+memory +pids +cpu');
    expect(cg.procsFiles).toEqual([join(dir, 'asyncfn', 'i1', 'cgroup.procs')]);
    writeFileSync(join(dir, 'asyncfn', 'i1', 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    expect(cg.oomKills()).toBe(1);
  });

  it('refuses a host without memory and pids controllers', () => {
    expect(() => detectCgroups('cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0')).toThrow(/memory and pids/);
  });
});
