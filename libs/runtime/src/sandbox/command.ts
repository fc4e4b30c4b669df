/**
 * The command line that starts one instance inside its sandbox (pure: unit-tested). Outermost
 * first, each link exec'ing the next, so the spawned pid stays the sandbox's root:
 *
 *   sh        joins the instance's cgroup(s) (as root, before anything of the function exists)
 *   setpriv   drops to the tenant's uid/gid, no supplementary groups, dies with the executor
 *   pasta     (network only) a new user + network namespace with user-mode egress that does not
 *             reach the host's loopback, the custom runtime's port forwarded in, allowlisted
 *             host ports forwarded out
 *   bwrap     new user (uid mapped to itself), pid, ipc, uts, cgroup and, without pasta, network
 *             namespaces; a new root with the runtime and the code read-only and a private /tmp;
 *             no capabilities, no_new_privs; the environment from `--args`
 */

export const SH = '/bin/sh';
export const SETPRIV = '/usr/bin/setpriv';
export const PASTA = '/usr/bin/pasta';
export const BWRAP = '/usr/bin/bwrap';
export const NSENTER = '/usr/bin/nsenter';

/** Where the function's code is mounted, as on FC. */
export const CODE_DIR = '/code';

export type SandboxNetwork =
  /** Only a loopback interface of its own. */
  | { kind: 'none' }
  | {
      kind: 'pasta';
      /** User-mode egress (FC's internetAccess). */
      internet: boolean;
      /** A host loopback port forwarded to the sandbox's `port` (custom runtimes). */
      forward?: { hostPort: number; port: number };
      /** Host loopback ports reachable at the same port on the sandbox's loopback. */
      hostPorts: number[];
    };

export interface Bind {
  src: string;
  dest: string;
}

export interface SandboxCommandInput {
  uid: number;
  /** cgroup.procs files to join. Paths are the executor's own (no quotes in them). */
  procsFiles: string[];
  network: SandboxNetwork;
  tmpSizeMB: number;
  hostname: string;
  /**
   * The code directory, mounted read-only at /code. bwrap opens it as the sandbox's uid, so its
   * parents must be traversable (x) by it; the directory itself readable by the tenant's group.
   */
  codeDir: string;
  /** Descriptor from which bwrap reads the rest of its arguments (the environment). */
  argsFd: number;
  /** Host paths that must exist inside read-only: the runtime's parts outside /usr. */
  readOnly: Bind[];
  /** Host directories bound read-write (SandboxOptions.writableBinds). */
  writable?: string[];
  /** `/bin` → `usr/bin` style links of a merged-/usr system, and system dirs to bind if present. */
  system: { symlinks: Bind[]; binds: string[] };
  command: string[];
}

export interface CommandLine {
  file: string;
  args: string[];
}

/** Files of /etc a runtime needs for TLS, DNS and time zones; nothing else of /etc is visible. */
export const ETC_FILES = [
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/ca-certificates.conf',
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/nsswitch.conf',
  '/etc/host.conf',
  '/etc/localtime',
  '/etc/alternatives',
  '/etc/ld.so.cache',
  '/etc/mime.types',
];

export function sandboxCommand(i: SandboxCommandInput): CommandLine {
  if (i.uid <= 0) throw new RangeError(`a sandbox uid must not be root (got ${i.uid})`);
  const join = i.procsFiles.map((f) => `echo $$ > '${f}' || exit 125; `).join('');
  const setpriv = [SETPRIV, `--reuid=${i.uid}`, `--regid=${i.uid}`, '--clear-groups', '--pdeathsig=KILL', '--'];
  const pasta = i.network.kind === 'pasta' ? pastaArgs(i.network) : [];
  const args = [
    '-c',
    `${join}exec "$@"`,
    'asyncfn-sandbox',
    ...setpriv,
    ...pasta,
    ...bwrapArgs(i),
    '--',
    ...i.command,
  ];
  return { file: SH, args };
}

function pastaArgs(n: Extract<SandboxNetwork, { kind: 'pasta' }>): string[] {
  const ports = (list: number[]) => (list.length > 0 ? list.join(',') : 'none');
  return [
    PASTA,
    // Without --config-net the namespace's tap stays down: loopback forwards only, no egress.
    ...(n.internet ? ['--config-net'] : []),
    // By default pasta maps the gateway's address to the host's loopback: never.
    '--no-map-gw',
    '-t',
    n.forward ? `127.0.0.1/${n.forward.hostPort}:${n.forward.port}` : 'none',
    '-u',
    'none',
    '-T',
    ports(n.hostPorts),
    '-U',
    'none',
    '--quiet',
    '--foreground',
    '--',
  ];
}

function bwrapArgs(i: SandboxCommandInput): string[] {
  const a = [
    BWRAP,
    '--unshare-user',
    '--uid',
    String(i.uid),
    '--gid',
    String(i.uid),
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    // pasta made the network namespace already; without it, one with only loopback.
    ...(i.network.kind === 'none' ? ['--unshare-net'] : []),
    '--hostname',
    i.hostname,
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
  ];
  for (const dir of i.system.binds) a.push('--ro-bind-try', dir, dir);
  for (const link of i.system.symlinks) a.push('--symlink', link.src, link.dest);
  for (const file of ETC_FILES) a.push('--ro-bind-try', file, file);
  for (const bind of i.readOnly) a.push('--ro-bind', bind.src, bind.dest);
  a.push('--proc', '/proc', '--dev', '/dev');
  a.push('--size', String(i.tmpSizeMB * 1024 * 1024), '--tmpfs', '/tmp');
  // After /tmp's tmpfs, which would hide a bind under /tmp.
  for (const dir of i.writable ?? []) a.push('--bind', dir, dir);
  a.push('--ro-bind', i.codeDir, CODE_DIR, '--chdir', CODE_DIR);
  a.push('--args', String(i.argsFd));
  return a;
}

/** bwrap's `--args` content: the instance's whole environment, NUL-separated (never on a command line). */
export function environmentArgs(env: Record<string, string>): Buffer {
  const parts = ['--clearenv'];
  for (const [k, v] of Object.entries(env)) parts.push('--setenv', k, v);
  return Buffer.from(parts.map((p) => `${p}\0`).join(''));
}
