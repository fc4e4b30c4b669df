import { createHash } from 'node:crypto';

/**
 * How instances are confined (see docs/security.md). `bwrap` is the default everywhere; `none`
 * runs them as plain child processes of the executor, for development only.
 */
export interface SandboxOptions {
  mode: 'bwrap' | 'none';
  /** Size cap of the instance's private /tmp (a tmpfs), MB. FC gives 512 MB. */
  tmpSizeMB: number;
  /** Processes and threads the instance may have at once (cgroup pids.max). */
  pidsMax: number;
  /** Sandbox uids/gids are `uidBase + hash(tenant) mod uidCount`: never 0, one per tenant. */
  uidBase: number;
  uidCount: number;
  /**
   * Host loopback ports (TCP and UDP) a function with internet access may reach, at
   * 127.0.0.1:<port> inside its sandbox (an operator's allowlist; empty by default: the host's
   * loopback is unreachable).
   */
  hostPorts: number[];
  /**
   * Host directories bound read-write at the same path in every sandbox (the executor's
   * ASYNCFN_SANDBOX_WRITABLE_DIRS): for tests that watch a function from outside. Shared by every
   * tenant; never tenant-controlled.
   */
  writableBinds: string[];
  /** Root-owned directory of empty mount points where each sandbox's host directories are staged. */
  stageDir: string;
  /** Where cgroup file systems are mounted. */
  cgroupRoot: string;
  /** The cgroup (under each hierarchy) that holds one child cgroup per instance. */
  cgroupName: string;
}

export const DEFAULT_SANDBOX_OPTIONS: SandboxOptions = {
  mode: 'bwrap',
  tmpSizeMB: 512,
  pidsMax: 256,
  uidBase: 100_000,
  uidCount: 1_000_000_000,
  hostPorts: [],
  writableBinds: [],
  stageDir: '/run/asyncfn-sandbox',
  cgroupRoot: '/sys/fs/cgroup',
  cgroupName: 'asyncfn',
};

/**
 * A tenant's sandbox uid (also its gid): deterministic, so a tenant's instances on any executor
 * share it and its code directories can be given to it, and far from system and login ids.
 */
export function sandboxUid(tenant: string, o: Pick<SandboxOptions, 'uidBase' | 'uidCount'>): number {
  const hash = createHash('sha256').update(tenant).digest();
  return o.uidBase + (hash.readUInt32BE(0) % o.uidCount);
}
