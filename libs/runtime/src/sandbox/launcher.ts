import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import type { ProcReader, ProcSample } from '../proc-stats.js';
import type { FunctionSpec, RuntimeLogger } from '../types.js';
import { createInstanceCgroup, sweepEmptyCgroups, type InstanceCgroup } from './cgroup.js';
import { environmentArgs, sandboxCommand, type Bind, type SandboxNetwork } from './command.js';
import { sandboxUid, type SandboxOptions } from './options.js';
import { rememberInstance, forgetInstance } from './registry.js';

import { preflight, systemLayout } from './preflight.js';
import { freePort } from '../free-port.js';

export { SandboxUnavailableError } from './preflight.js';

export interface LaunchRequest {
  instanceId: string;
  tenant: string;
  spec: FunctionSpec;
  /** argv inside the sandbox (cwd /code). */
  command: string[];
  env: Record<string, string>;
  /** A Node IPC channel at fd 3 (the shim). */
  ipc: boolean;
  /** Host paths the command needs read-only (the shim, a node outside /usr, ...). */
  readOnly: Bind[];
  /** A custom runtime's port inside the sandbox, forwarded from a free host loopback port. */
  port?: number;
  /** FC's internetAccess (default true). */
  internet: boolean;
}

export interface Launched {
  child: ChildProcess;
  /** Where the executor reaches `port` (127.0.0.1). */
  hostPort?: number;
  /** SIGKILLs every process of the instance. */
  kill(): void;
  /** The instance is gone: kill stragglers, remove its cgroup. */
  close(): void;
  /** CPU and memory of the whole instance (its cgroup), instead of one process's /proc. */
  stats: ProcReader;
  /** The kernel OOM-killed a process of the instance. */
  outOfMemory(): boolean;
  /** Something listens on TCP `port` in the sandbox's network namespace. */
  listening(port: number): boolean;
}

export interface Sandbox {
  readonly options: SandboxOptions;
  launch(r: LaunchRequest): Promise<Launched>;
}

/**
 * Checks the host can sandbox (tools, root, cgroups, a user namespace that really starts) and
 * returns the launcher. Throws SandboxUnavailableError with what to do otherwise.
 */
export function createSandbox(options: SandboxOptions, logger?: RuntimeLogger): Sandbox {
  const layout = preflight(options, logger);
  sweepEmptyCgroups(layout, options.cgroupName);
  const system = systemLayout();
  const hostMemoryMB = Math.floor(totalmem() / (1024 * 1024));
  logger?.info(
    {
      cgroup: `v${layout.version}`,
      tmpSizeMB: options.tmpSizeMB,
      pidsMax: options.pidsMax,
      hostPorts: options.hostPorts,
    },
    'runtime: instances run sandboxed (bubblewrap)',
  );

  return {
    options,
    async launch(r) {
      const { spec } = r;
      if (spec.memorySizeMB > hostMemoryMB) {
        throw new RangeError(
          `memorySize ${spec.memorySizeMB} MB is more than this executor can grant (${hostMemoryMB} MB)`,
        );
      }
      const uid = sandboxUid(r.tenant, options);
      const cgroup = createInstanceCgroup(layout, options.cgroupName, r.instanceId, {
        memoryMB: spec.memorySizeMB,
        pidsMax: options.pidsMax,
        // FC: one vCPU per 1024 MB unless the function says otherwise.
        cpuWeight: spec.cpu ?? spec.memorySizeMB / 1024,
      });
      try {
        const hostPort = r.port !== undefined ? await freePort() : undefined;
        const network: SandboxNetwork =
          r.internet || hostPort !== undefined
            ? {
                kind: 'pasta',
                internet: r.internet,
                ...(hostPort !== undefined ? { forward: { hostPort, port: r.port! } } : {}),
                hostPorts: r.internet ? options.hostPorts : [],
              }
            : { kind: 'none' };
        // fds 0-2 stdio, [3 IPC], then bwrap's --args pipe.
        const argsFd = r.ipc ? 4 : 3;
        const stdio: StdioOptions = ['ignore', 'pipe', 'pipe', ...(r.ipc ? ['ipc' as const] : []), 'pipe'];
        const cmd = sandboxCommand({
          uid,
          procsFiles: cgroup.procsFiles,
          network,
          tmpSizeMB: options.tmpSizeMB,
          hostname: 'fc-instance',
          codeDir: spec.codeDir,
          stageDir: options.stageDir,
          argsFd,
          readOnly: r.readOnly,
          writable: options.writableBinds,
          system,
          command: r.command,
        });
        const env = r.ipc
          ? { ...r.env, NODE_CHANNEL_FD: '3', NODE_CHANNEL_SERIALIZATION_MODE: 'advanced' }
          : r.env;
        const child = spawn(cmd.file, cmd.args, {
          // The wrappers run with a bare environment; the function's own is handed to bwrap by pipe.
          // From /, so the sandbox's pid 1 (bwrap, whose environ the function can read) shows no
          // host path in its PWD.
          env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
          cwd: '/',
          stdio,
          ...(r.ipc ? { serialization: 'advanced' as const } : {}),
        });
        const argsPipe = child.stdio[argsFd] as NodeJS.WritableStream | null;
        argsPipe?.on('error', () => undefined);
        argsPipe?.end(environmentArgs(env));
        if (child.pid !== undefined) rememberInstance(r.instanceId, { uid, cgroup });
        return launched(child, cgroup, hostPort, r.instanceId);
      } catch (err) {
        cgroup.killAll();
        cgroup.remove();
        throw err;
      }
    },
  };
}

function launched(
  child: ChildProcess,
  cgroup: InstanceCgroup,
  hostPort: number | undefined,
  id: string,
): Launched {
  let closed = false;
  /** Read before the cgroup goes away: what the instance's last outcomes report. */
  let oomAtClose = false;
  let lastSample: ProcSample | undefined;
  const read = (): ProcSample | undefined => {
    const cpuMs = cgroup.cpuMs();
    const rssMB = cgroup.memoryMB();
    const peakMB = cgroup.peakMB();
    return cpuMs === undefined || rssMB === undefined || peakMB === undefined
      ? undefined
      : { cpuMs, rssMB, peakMB };
  };
  const stats: ProcReader = {
    cpuMs: () => (closed ? lastSample?.cpuMs : cgroup.cpuMs()),
    sample: () => (closed ? lastSample : read()),
    resetPeakRss: () => !closed && cgroup.resetPeak(),
    close() {},
  };
  return {
    child,
    ...(hostPort !== undefined ? { hostPort } : {}),
    kill() {
      try {
        child.kill('SIGKILL');
      } catch {
        // gone already
      }
      cgroup.killAll();
    },
    close() {
      if (closed) return;
      oomAtClose = cgroup.oomKills() > 0;
      lastSample = read();
      closed = true;
      forgetInstance(id);
      cgroup.killAll();
      void removeWhenEmpty(cgroup);
    },
    stats,
    outOfMemory: () => (closed ? oomAtClose : cgroup.oomKills() > 0),
    listening(port) {
      const pid = cgroup.procsFiles.length > 0 ? sandboxedPid(cgroup.procsFiles[0]!, child.pid) : undefined;
      return pid !== undefined && listensOn(pid, port);
    },
  };
}

/** A process of the instance that is inside its network namespace (not pasta, which is outside). */
function sandboxedPid(procsFile: string, rootPid: number | undefined): number | undefined {
  const pids = readText(procsFile)?.split('\n').filter(Boolean).map(Number) ?? [];
  return pids.find((p) => p !== rootPid);
}

function listensOn(pid: number, port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  for (const file of ['tcp', 'tcp6']) {
    for (const line of (readText(`/proc/${pid}/net/${file}`) ?? '').split('\n').slice(1)) {
      // local_address rem_address st: state 0A is LISTEN.
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === '0A' && `${local} `.endsWith(hex)) return true;
    }
  }
  return false;
}

async function removeWhenEmpty(cgroup: InstanceCgroup): Promise<void> {
  for (let i = 0; i < 50; i += 1) {
    if (cgroup.remove()) return;
    cgroup.killAll();
    await new Promise((r) => setTimeout(r, 100));
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
