/**
 * The instance's state machine, as pure decisions: which phase means which status, and what the
 * end of the process means for the instance and for each invocation still in flight. The
 * instance (`instance.ts`) holds the state and acts on these answers.
 *
 *   starting → initializing → running → stopping → destroyed
 */
import { describeExit } from './exit-reason.js';
import type { EndRequest } from './instance-hooks.js';
import { outOfMemoryMessage, timeoutMessage } from './instance-limits.js';
import { AbortReason } from './protocol.js';
import { DestroyReason, InstanceStatus, type InvokeOutcome, type OutcomeCommon } from './types.js';

/**
 * An instance's phases, in order; it may jump to stopping, or straight to destroyed when its
 * process dies.
 */
export type Phase = 'starting' | 'initializing' | 'running' | 'stopping' | 'destroyed';

/** Why an invocation ends other than by its own result, decided before the process goes. */
export type Fate = 'timedOut' | 'stopped';

/** Still taking invocations: not stopping or gone. */
export function isUsable(phase: Phase): boolean {
  return phase === 'starting' || phase === 'initializing' || phase === 'running';
}

/** The status the pool reports for an instance in `phase` (see `InstanceStatus`). */
export function statusOf(phase: Phase, inFlight: number, freezing: boolean): InstanceStatus {
  switch (phase) {
    case 'starting':
      return InstanceStatus.Starting;
    case 'initializing':
      return InstanceStatus.Initializing;
    case 'running':
      if (inFlight > 0) return InstanceStatus.Busy;
      return freezing ? InstanceStatus.Freezing : InstanceStatus.Frozen;
    case 'stopping':
      return InstanceStatus.Stopping;
    case 'destroyed':
      return InstanceStatus.Destroyed;
    default:
      return assertNever(phase);
  }
}

/** What in-flight invocations are told when the pool destroys their instance for `reason`. */
export function destroyMessage(reason: DestroyReason): string {
  switch (reason) {
    case DestroyReason.Retired:
      return 'Instance was destroyed because the function was retired';
    case DestroyReason.Shutdown:
      return 'Instance was destroyed because the executor is shutting down';
    case DestroyReason.Idle:
    case DestroyReason.VersionReplaced:
    case DestroyReason.TimedOut:
    case DestroyReason.Stopped:
    case DestroyReason.InitFailed:
    case DestroyReason.OutOfMemory:
    case DestroyReason.PreFreezeTimedOut:
    case DestroyReason.Crashed:
      return `Instance was destroyed (${reason})`;
    default:
      return assertNever(reason);
  }
}

/** What is known when the process is gone. */
export interface ExitFacts {
  /** Nobody asked it to go: it died on its own (or never started). */
  ownDeath: boolean;
  /** The sandbox's kernel killed one of its processes for memory. */
  kernelOutOfMemory: boolean;
  /** The process could not be spawned at all. */
  spawnError?: Error;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderrTail: string;
  /** Why we ended it, and what in-flight invocations are told then (see `terminate`). */
  requestedReason: DestroyReason;
  killMessage: string;
  codeDir: string;
  memorySizeMB: number;
}

export interface ExitVerdict {
  reason: DestroyReason;
  /** What an in-flight invocation without a fate is told (its `crashed` errorMessage). */
  crash: string;
}

/** What a process's end means: why the instance went, and in words for crashed invocations. */
export function judgeExit(f: ExitFacts): ExitVerdict {
  const killedForMemory = f.ownDeath && f.kernelOutOfMemory;
  const reason = killedForMemory
    ? DestroyReason.OutOfMemory
    : f.ownDeath
      ? DestroyReason.Crashed
      : f.requestedReason;
  const crash = f.spawnError
    ? `Failed to start instance process in ${f.codeDir}: ${f.spawnError.message}`
    : killedForMemory
      ? outOfMemoryMessage(f.memorySizeMB)
      : f.ownDeath
        ? describeExit(f.code, f.signal, f.stderrTail, f.memorySizeMB)
        : f.killMessage;
  return { reason, crash };
}

/** The outcome of an invocation still in flight when its process went. */
export function outcomeAtExit(
  fate: Fate | undefined,
  crash: string,
  timeoutSeconds: number,
  base: OutcomeCommon,
): InvokeOutcome {
  switch (fate) {
    case 'timedOut':
      return { kind: 'timedOut', errorMessage: timeoutMessage(timeoutSeconds), ...base };
    case 'stopped':
      return { kind: 'stopped', ...base };
    case undefined:
      return { kind: 'crashed', errorMessage: crash, ...base };
    default:
      return assertNever(fate);
  }
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}

/** What the instance knows of one invocation when asked to end it early. */
export interface InvocationState {
  requestId: string;
  /** Still assigned to the instance (not settled). */
  inFlight: boolean;
  dispatched: boolean;
  answered: boolean;
  fate?: Fate;
}

/** Why an invocation is to end before its answer: its timeout, a stop, or a stop's force deadline. */
export type EarlyEndCause = 'timeout' | 'stop' | 'forceStop';

export type EarlyEnd =
  | { kind: 'ignore' }
  /** The handler never ran (the instance was still starting): it ends `stopped`, the instance stays. */
  | { kind: 'settleStopped' }
  | {
      kind: 'endInstance';
      /** Set the invocation's fate and send its process this abort (absent: it already has one). */
      mark?: { fate: Fate; abort: AbortReason };
      reason: DestroyReason;
      message: string;
      how: EndRequest;
      /** SIGKILL now, whatever preStop is doing. */
      killNow: boolean;
    };

const TIMED_OUT_MESSAGE = 'Instance was killed because a concurrent invocation timed out';
const STOPPED_MESSAGE = 'Instance was stopped because a concurrent invocation was stopped';

/**
 * How an invocation ends early. A timeout discards the instance (a handler that ignores its
 * signal may still be burning CPU) after a grace period; a stop aborts context.signal, runs
 * preStop (bounded) and kills; a forced stop kills at once. An invocation that has answered is
 * left to its answer.
 */
export function earlyEnd(cause: EarlyEndCause, s: InvocationState): EarlyEnd {
  switch (cause) {
    case 'timeout':
      if (s.answered || s.fate) return { kind: 'ignore' };
      return {
        kind: 'endInstance',
        mark: { fate: 'timedOut', abort: AbortReason.Timeout },
        reason: DestroyReason.TimedOut,
        message: TIMED_OUT_MESSAGE,
        how: { graceFor: s.requestId },
        killNow: false,
      };
    case 'stop':
      if (s.answered || s.fate || !s.inFlight) return { kind: 'ignore' };
      if (!s.dispatched) return { kind: 'settleStopped' };
      return {
        kind: 'endInstance',
        mark: { fate: 'stopped', abort: AbortReason.Stop },
        reason: DestroyReason.Stopped,
        message: STOPPED_MESSAGE,
        how: { preStopId: s.requestId, graceFor: s.requestId },
        killNow: false,
      };
    case 'forceStop':
      if (s.answered || !s.inFlight) return { kind: 'ignore' };
      if (!s.dispatched) return { kind: 'settleStopped' };
      return {
        kind: 'endInstance',
        ...(s.fate ? {} : { mark: { fate: 'stopped', abort: AbortReason.Stop } }),
        reason: DestroyReason.Stopped,
        message: STOPPED_MESSAGE,
        how: {},
        killNow: true,
      };
    default:
      return assertNever(cause);
  }
}
