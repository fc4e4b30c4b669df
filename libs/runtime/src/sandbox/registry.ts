import { readFileSync } from 'node:fs';
import type { InstanceCgroup } from './cgroup.js';
import { CODE_DIR, NSENTER, SETPRIV, SH } from './command.js';

/** Sandboxed instances of this process, for `instanceShell`. */
const instances = new Map<string, { uid: number; cgroup: InstanceCgroup }>();

export function rememberInstance(id: string, entry: { uid: number; cgroup: InstanceCgroup }): void {
  instances.set(id, entry);
}

export function forgetInstance(id: string): void {
  instances.delete(id);
}

export interface ShellCommand {
  file: string;
  args: string[];
  /** A bare environment for the wrapper; the shell inside gets HOME=/tmp, a PATH and TERM. */
  env: Record<string, string>;
}

/**
 * A command that runs `command` (default: an interactive `/bin/sh`) inside a running instance's
 * sandbox with the function's own rights: it joins the instance's cgroup (so its limits apply),
 * enters the instance's user, mount, pid, network, ipc and uts namespaces and root, and runs as
 * the tenant's uid/gid with no capabilities and no_new_privs, in /code. Spawn it as is
 * (`spawn(cmd.file, cmd.args, { env: cmd.env })`), e.g. behind a PTY for a web terminal.
 * undefined when the instance is not a live sandboxed instance of this process.
 */
export function instanceShell(
  instanceId: string,
  command: string[] = ['/bin/sh', '-i'],
): ShellCommand | undefined {
  const entry = instances.get(instanceId);
  if (!entry) return undefined;
  const init = sandboxInit(entry.cgroup.procsFiles[0]);
  if (init === undefined) return undefined;
  const join = entry.cgroup.procsFiles.map((f) => `echo $$ > '${f}' || exit 125; `).join('');
  const { uid } = entry;
  return {
    file: SH,
    args: [
      '-c',
      `${join}exec "$@"`,
      'asyncfn-shell',
      NSENTER,
      `--target=${init}`,
      '--user',
      '--mount',
      '--pid',
      '--net',
      '--ipc',
      '--uts',
      '--root',
      // Become the tenant's uid/gid there (it is mapped in the sandbox's user namespace); the
      // capabilities of that namespace go with the change of uid.
      `--setuid=${uid}`,
      `--setgid=${uid}`,
      '--',
      SETPRIV,
      '--no-new-privs',
      '--inh-caps=-all',
      '--',
      '/usr/bin/env',
      '-i',
      `--chdir=${CODE_DIR}`,
      'HOME=/tmp',
      'TERM=xterm-256color',
      'PATH=/usr/local/bin:/usr/bin:/bin',
      ...command,
    ],
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
  };
}

/**
 * The sandbox's pid 1 (bubblewrap's init), seen from the host: of the instance's processes, the
 * one in the deepest pid namespace (pasta nests one more) whose pid there is 1.
 */
function sandboxInit(procsFile: string | undefined): number | undefined {
  if (!procsFile) return undefined;
  let pids: string[] = [];
  try {
    pids = readFileSync(procsFile, 'utf8').split('\n').filter(Boolean);
  } catch {
    return undefined;
  }
  let best: { pid: number; depth: number } | undefined;
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/) ?? [];
      if (nspid.length > 1 && nspid.at(-1) === '1' && nspid.length > (best?.depth ?? 0)) {
        best = { pid: Number(pid), depth: nspid.length };
      }
    } catch {
      // exited meanwhile
    }
  }
  return best?.pid;
}
