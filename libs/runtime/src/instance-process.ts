import type { ChannelOptions, InstanceChannel, OpenChannel } from './channel.js';
import { captureOutput, type InstanceOutput } from './instance-output.js';
import type { LogBuffer } from './log-buffer.js';
import { openProcReader, type ProcReader, type ProcSample } from './proc-stats.js';
import type { ChildMessage, OutputMarks, ParentMessage } from './protocol.js';
import type { RuntimeLogger } from './types.js';

/**
 * Spawning an instance's process and holding on to it: its channel, its output (routed to the
 * invocations in flight), its CPU and memory readings, and the news of its end. Everything an
 * instance does to or learns from its process goes through here; deciding what it means does not.
 */
export interface InstanceProcess {
  /** 0 until the process is spawned. */
  pid(): number;
  /** Dropped until the process is spawned (nothing is sent before it says `ready`). */
  send(msg: ParentMessage): void;
  kill(): void;
  /** The sandbox's kernel OOM-killed one of its processes. */
  kernelOutOfMemory(): boolean;
  /** A reading now (remembered); undefined once the process is gone or before it is spawned. */
  sample(): ProcSample | undefined;
  /** A reading now, else the last one remembered: for outcomes settled after the process went. */
  latestSample(): ProcSample | undefined;
  /** CPU time now, for an invocation's start; undefined where there is nothing to read. */
  cpuMs(): number | undefined;
  /** Makes the memory high-water mark start again from now. */
  resetPeakRss(): void;
  /** Emits unterminated trailing output lines now. */
  flushOutput(): void;
  /** Resolves once the output an answer's marks name has been read (see InstanceOutput.afterMarks). */
  afterOutput(marks: OutputMarks | undefined): Promise<void>;
  stderrTail(): string;
  /** The process is gone: close its readers and channel, and emit what output is left. */
  release(): void;
}

export interface SpawnOptions {
  openChannel: OpenChannel;
  channel: Omit<ChannelOptions, 'onMessage' | 'logger'>;
  /** The invocations whose logs the output goes to (see `captureOutput`). */
  inFlight: ReadonlyMap<string, { logs: LogBuffer }>;
  logger?: RuntimeLogger;
  onMessage(msg: ChildMessage): void;
  /** The process is spawned and watched. */
  onSpawned(): void;
  /** The instance was ended while the process was being spawned: it is killed at once. */
  isEnding(): boolean;
  /** The process is gone, or could not be spawned (`spawnError`); may be told twice (exit, close). */
  onGone(code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void;
}

/** After 'exit', how long to wait for the pipes to drain ('close') before settling anyway. */
const CLOSE_WAIT_MS = 250;

/** How long an answer waits for its output marks before it settles without them. */
const OUTPUT_MARK_WAIT_MS = 1_000;

/** Until the process exists there is no output to capture. */
const NO_OUTPUT: InstanceOutput = { flush() {}, stderrTail: () => '', afterMarks: async () => {} };

export function spawnInstance(o: SpawnOptions): InstanceProcess {
  const { instanceId } = o.channel;
  let channel: InstanceChannel | undefined;
  let proc: ProcReader | undefined;
  let output = NO_OUTPUT;
  let lastSample: ProcSample | undefined;

  o.openChannel({
    ...o.channel,
    ...(o.logger ? { logger: o.logger } : {}),
    onMessage: (msg) => {
      try {
        o.onMessage(msg);
      } catch (err) {
        // A bug here must not become an uncaught exception in the executor.
        o.logger?.error({ err, instanceId }, 'runtime: failed to handle an instance message');
      }
    },
  }).then(attach, (err: Error) => o.onGone(null, null, err));

  function attach(ch: InstanceChannel): void {
    channel = ch;
    const { child } = ch;
    if (child.pid !== undefined) proc = ch.stats ?? openProcReader(child.pid);
    output = captureOutput(child, o.inFlight, (line) =>
      o.logger?.debug({ instanceId, key: o.channel.spec.key, line }, 'runtime: instance output'),
    );
    // Send/kill races on a dying child end up here; the exit tells the real story.
    child.on('error', (err) => o.logger?.debug({ err, instanceId }, 'runtime: instance process error'));
    child.on('exit', (code, signal) => setTimeout(() => o.onGone(code, signal), CLOSE_WAIT_MS));
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => o.onGone(code, signal));
    o.onSpawned();
    // Ended while it was being spawned (shutdown, start timeout).
    if (o.isEnding()) ch.kill();
  }

  const sample = (): ProcSample | undefined => {
    const now = proc?.sample();
    if (now) lastSample = now;
    return now;
  };

  return {
    pid: () => channel?.child.pid ?? 0,
    send: (msg) => channel?.send(msg),
    kill: () => channel?.kill(),
    kernelOutOfMemory: () => channel?.outOfMemory?.() === true,
    sample,
    latestSample: () => sample() ?? lastSample,
    cpuMs: () => proc?.cpuMs(),
    resetPeakRss: () => void proc?.resetPeakRss(),
    flushOutput: () => output.flush(),
    afterOutput: (marks) => output.afterMarks(marks, OUTPUT_MARK_WAIT_MS),
    stderrTail: () => output.stderrTail(),
    release() {
      proc?.close();
      channel?.close();
      output.flush();
    },
  };
}
