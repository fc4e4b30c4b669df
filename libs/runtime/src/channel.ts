import type { ChildProcess } from 'node:child_process';
import type { ProcReader } from './proc-stats.js';
import type { ChildMessage, ParentMessage } from './protocol.js';
import type { FunctionSpec, RuntimeLogger } from './types.js';

/**
 * How the instance state machine talks to one instance process, whatever its kind: the Node shim
 * over IPC (`node-channel.ts`) or a custom runtime's HTTP server (`http-channel.ts`). Both speak
 * the messages of `protocol.ts`; the instance owns timeouts, fates and teardown.
 */
export interface InstanceChannel {
  /** The OS process: its pid, stdout/stderr and exit are watched by the instance. */
  readonly child: ChildProcess;
  send(msg: ParentMessage): void;
  /** SIGKILL the process (and, for a custom runtime, its process group). */
  kill(): void;
  /** The process is gone: release sockets and timers. */
  close(): void;
  /** A sandboxed instance's CPU and memory (its cgroup), used instead of the process's /proc. */
  stats?: ProcReader;
  /** A sandboxed instance had a process OOM-killed by the kernel (its cgroup's memory limit). */
  outOfMemory?(): boolean;
}

export interface ChannelOptions {
  spec: FunctionSpec;
  instanceId: string;
  functionName: string;
  tenant: string;
  /** Every well-formed message from the instance. */
  onMessage(msg: ChildMessage): void;
  logger?: RuntimeLogger;
}

/** Opens a channel: spawns the process. Rejects if it could not be spawned at all. */
export type OpenChannel = (o: ChannelOptions) => Promise<InstanceChannel>;

/**
 * A spawn that failed outright (no such command, cwd missing) has no pid and reports why in an
 * 'error' event; wait for it so the caller learns the reason instead of a silent child.
 */
export async function spawned(child: ChildProcess): Promise<ChildProcess> {
  if (child.pid !== undefined) return child;
  const err = await new Promise<Error>((resolve) => child.once('error', resolve));
  throw err;
}
