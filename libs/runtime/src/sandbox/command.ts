/**
 * The command line that starts one instance inside its sandbox (pure: unit-tested). Outermost
 * first, each link exec'ing the next, so the spawned pid stays the sandbox's root:
 *
 *   unshare   a private mount namespace, still as root, where
 *   sh        joins the instance's cgroup(s) (before anything of the function exists) and binds the
 *             host directories the sandbox needs (code, runtime) onto fixed stage directories: the
 *             tenant's uid could not reach them through their parents (/root is 0700)
 *   setpriv   drops to the tenant's uid/gid, no supplementary groups, dies with the executor
 *   pasta     (network only) a new user + network namespace with user-mode egress that does not
 *             reach the host's loopback, the custom runtime's port forwarded in, allowlisted
 *             host ports forwarded out
 *   bwrap     new user (uid mapped to itself), pid, ipc, uts, cgroup and, without pasta, network
 *             namespaces; a new root with the runtime and the code read-only and a private /tmp;
 *             no capabilities, no_new_privs; the environment from `--args`
 */

export const SH = '/bin/sh';
export const UNSHARE = '/usr/bin/unshare';
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
      /** Host loopback ports (TCP and UDP) reachable at the same port on the sandbox's loopback. */
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
  /** The code directory, mounted read-only at /code (readable by the tenant's uid or gid). */
  codeDir: string;
  /** Root-owned directory with empty mount points `0`, `1`, ... (see `STAGE_SLOTS`). */
  stageDir: string;
  /** Descriptor from which bwrap reads the rest of its arguments (the environment). */
  argsFd: number;
  /** Host directories that must be visible read-only: the runtime's parts outside /usr. */
  readOnly: Bind[];
  /** Host directories bound read-write at the same path (SandboxOptions.writableBinds). */
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

/** Mount points made under the stage directory: the most host directories one sandbox may get. */
export const STAGE_SLOTS = 16;

/*
 * Paths travel as arguments, never inside the script (a local directory may hold any character):
 *   $1 = n, then n cgroup.procs files; then m, then m (options, source, mount point) triples.
 */
const STAGE_SCRIPT = [
  'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done',
  'n=$1; shift; while [ "$n" -gt 0 ]; do mount --bind -o "$1,nosuid,nodev" -- "$2" "$3" || exit 125; shift 3; n=$((n-1)); done',
  'exec "$@"',
].join('\n');

export function sandboxCommand(i: SandboxCommandInput): CommandLine {
  if (i.uid <= 0) throw new RangeError(`a sandbox uid must not be root (got ${i.uid})`);
  const staged = [
    { mode: 'ro', src: i.codeDir, dest: CODE_DIR },
    ...i.readOnly.map((b) => ({ mode: 'ro', ...b })),
    ...(i.writable ?? []).map((dir) => ({ mode: 'rw', src: dir, dest: dir })),
  ];
  if (staged.length > STAGE_SLOTS)
    throw new RangeError(`at most ${STAGE_SLOTS} host directories per sandbox`);
  const slot = (n: number) => `${i.stageDir}/${n}`;
  const mounts = staged.flatMap((m, n) => [m.mode, m.src, slot(n)]);
  const binds = staged.flatMap((m, n) => [m.mode === 'ro' ? '--ro-bind' : '--bind', slot(n), m.dest]);
  const setpriv = [
    SETPRIV,
    `--reuid=${i.uid}`,
    `--regid=${i.uid}`,
    '--clear-groups',
    '--pdeathsig=KILL',
    '--',
  ];
  const pasta = i.network.kind === 'pasta' ? pastaArgs(i.network) : [];
  const args = [
    '--mount',
    '--propagation',
    'private',
    '--',
    SH,
    '-c',
    STAGE_SCRIPT,
    'asyncfn-sandbox',
    String(i.procsFiles.length),
    ...i.procsFiles,
    String(staged.length),
    ...mounts,
    ...setpriv,
    ...pasta,
    ...bwrapArgs(i, binds),
    '--',
    ...i.command,
  ];
  return { file: UNSHARE, args };
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
    ports(n.hostPorts),
    '--quiet',
    '--foreground',
    '--',
  ];
}

function bwrapArgs(i: SandboxCommandInput, binds: string[]): string[] {
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
  a.push('--proc', '/proc', '--dev', '/dev');
  a.push('--size', String(i.tmpSizeMB * 1024 * 1024), '--tmpfs', '/tmp');
  // After /tmp's tmpfs, which would hide a bind under /tmp.
  a.push(...binds, '--chdir', CODE_DIR);
  a.push('--args', String(i.argsFd));
  return a;
}

/** bwrap's `--args` content: the instance's whole environment, NUL-separated (never on a command line). */
export function environmentArgs(env: Record<string, string>): Buffer {
  const parts = ['--clearenv'];
  for (const [k, v] of Object.entries(env)) parts.push('--setenv', k, v);
  return Buffer.from(parts.map((p) => `${p}\0`).join(''));
}
