import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readlinkSync } from 'node:fs';
import type { RuntimeLogger } from '../types.js';
import { CgroupUnavailableError, detectCgroups, type CgroupLayout } from './cgroup.js';
import { BWRAP, NSENTER, PASTA, SETPRIV, STAGE_SLOTS, UNSHARE, type Bind } from './command.js';
import type { SandboxOptions } from './options.js';

/** The sandbox cannot be used on this host: the executor must not start (never run unconfined). */
export class SandboxUnavailableError extends Error {
  override name = 'SandboxUnavailableError';
}

/**
 * Checks the host can sandbox: the tools, root, cgroups, and a user namespace that really starts
 * (user namespaces may be disabled by sysctl or a security module). Throws
 * SandboxUnavailableError saying what to do.
 */
export function preflight(options: SandboxOptions, logger?: RuntimeLogger): CgroupLayout {
  const fail = (why: string): never => {
    throw new SandboxUnavailableError(
      `cannot sandbox function instances: ${why}. Run deploy/local/install.sh (as root), or set ASYNCFN_SANDBOX=none for development only`,
    );
  };
  for (const tool of [BWRAP, SETPRIV, PASTA, NSENTER, UNSHARE, '/usr/bin/mount']) {
    if (!existsSync(tool)) fail(`${tool} is missing (Debian packages bubblewrap, passt, util-linux, mount)`);
  }
  if (process.getuid?.() !== 0)
    fail('the executor must run as root to create cgroups and drop to sandbox users');
  // pasta opens it as the sandbox's uid. Debian's udev makes it 0666; some VMs' /dev has 0600.
  if (!existsSync('/dev/net/tun')) fail('/dev/net/tun is missing (the tun module)');
  if ((lstatSync('/dev/net/tun').mode & 0o666) !== 0o666) {
    chmodSync('/dev/net/tun', 0o666);
    logger?.warn({}, 'runtime: made /dev/net/tun mode 0666 for the sandbox network (as Debian does)');
  }
  // Empty mount points, bound over in each sandbox's own mount namespace only.
  for (let n = 0; n < STAGE_SLOTS; n += 1)
    mkdirSync(`${options.stageDir}/${n}`, { recursive: true, mode: 0o755 });
  let layout: CgroupLayout;
  try {
    layout = detectCgroups();
  } catch (err) {
    if (err instanceof CgroupUnavailableError) return fail(err.message);
    throw err;
  }
  // A real start: user namespaces may be disabled (user.max_user_namespaces=0, AppArmor, ...).
  const probe = spawnSync(
    SETPRIV,
    [
      `--reuid=${options.uidBase}`,
      `--regid=${options.uidBase}`,
      '--clear-groups',
      BWRAP,
      '--unshare-user',
      '--unshare-pid',
      '--unshare-net',
      '--ro-bind',
      '/usr',
      '/usr',
      '--symlink',
      'usr/bin',
      '/bin',
      '--symlink',
      'usr/lib',
      '/lib',
      '--symlink',
      'usr/lib64',
      '/lib64',
      '--',
      '/usr/bin/true',
    ],
    { encoding: 'utf8', timeout: 10_000 },
  );
  if (probe.status !== 0)
    fail(`bwrap could not start a sandbox: ${(probe.stderr || probe.error?.message || '').trim()}`);
  return layout;
}

/** /usr and the merged-/usr links (/bin → usr/bin, ...), or the directories where not merged. */
export function systemLayout(): { symlinks: Bind[]; binds: string[] } {
  const symlinks: Bind[] = [];
  const binds = ['/usr'];
  for (const dir of ['/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32']) {
    try {
      if (lstatSync(dir).isSymbolicLink()) symlinks.push({ src: readlinkSync(dir), dest: dir });
      else binds.push(dir);
    } catch {
      // not on this system
    }
  }
  return { symlinks, binds };
}
