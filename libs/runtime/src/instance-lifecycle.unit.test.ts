import { describe, expect, it } from 'vitest';
import {
  destroyMessage,
  earlyEnd,
  isUsable,
  judgeExit,
  outcomeAtExit,
  statusOf,
  type ExitFacts,
  type InvocationState,
} from './instance-lifecycle.js';
import { AbortReason } from './protocol.js';
import { DestroyReason, InstanceStatus } from './types.js';

const base = { instanceId: 'i', durationMs: 5, logs: 'x' };

describe('statusOf', () => {
  it('tells busy, freezing and frozen apart only while running', () => {
    expect(statusOf('running', 2, false)).toBe(InstanceStatus.Busy);
    expect(statusOf('running', 1, true)).toBe(InstanceStatus.Busy);
    expect(statusOf('running', 0, true)).toBe(InstanceStatus.Freezing);
    expect(statusOf('running', 0, false)).toBe(InstanceStatus.Frozen);
    expect(statusOf('starting', 1, false)).toBe(InstanceStatus.Starting);
    expect(statusOf('initializing', 1, false)).toBe(InstanceStatus.Initializing);
    expect(statusOf('stopping', 1, false)).toBe(InstanceStatus.Stopping);
    expect(statusOf('destroyed', 0, false)).toBe(InstanceStatus.Destroyed);
  });

  it('takes invocations until the instance is stopping', () => {
    expect(['starting', 'initializing', 'running'].every((p) => isUsable(p as never))).toBe(true);
    expect(isUsable('stopping')).toBe(false);
    expect(isUsable('destroyed')).toBe(false);
  });
});

describe('destroyMessage', () => {
  it('names retirement and shutdown, and the reason otherwise', () => {
    expect(destroyMessage(DestroyReason.Retired)).toMatch(/function was retired/);
    expect(destroyMessage(DestroyReason.Shutdown)).toMatch(/executor is shutting down/);
    expect(destroyMessage(DestroyReason.Idle)).toBe('Instance was destroyed (idle)');
  });
});

describe('judgeExit', () => {
  const facts = (over: Partial<ExitFacts>): ExitFacts => ({
    ownDeath: false,
    kernelOutOfMemory: false,
    code: null,
    signal: 'SIGKILL',
    stderrTail: '',
    requestedReason: DestroyReason.Idle,
    killMessage: 'we ended it',
    codeDir: '/code',
    memorySizeMB: 128,
    ...over,
  });

  it('an exit we asked for keeps our reason and message', () => {
    expect(judgeExit(facts({}))).toEqual({ reason: DestroyReason.Idle, crash: 'we ended it' });
    // The kernel's OOM kill counts only when nobody asked the process to go.
    expect(judgeExit(facts({ kernelOutOfMemory: true }))).toEqual({
      reason: DestroyReason.Idle,
      crash: 'we ended it',
    });
  });

  it('a death of its own is a crash, described from the exit', () => {
    expect(judgeExit(facts({ ownDeath: true, code: 3, signal: null }))).toEqual({
      reason: DestroyReason.Crashed,
      crash: 'Process exited with code 3',
    });
    expect(judgeExit(facts({ ownDeath: true, signal: 'SIGSEGV' })).crash).toBe(
      'Process was killed by signal SIGSEGV',
    );
  });

  it("a sandbox's kernel OOM kill is out of memory", () => {
    expect(judgeExit(facts({ ownDeath: true, kernelOutOfMemory: true }))).toEqual({
      reason: DestroyReason.OutOfMemory,
      crash: 'Process ran out of memory (limit 128 MB)',
    });
  });

  it('a process that never started says where and why', () => {
    const v = judgeExit(facts({ ownDeath: true, spawnError: new Error('ENOENT'), signal: null }));
    expect(v).toEqual({
      reason: DestroyReason.Crashed,
      crash: 'Failed to start instance process in /code: ENOENT',
    });
  });
});

describe('outcomeAtExit', () => {
  it("follows the invocation's fate, else reports the crash", () => {
    expect(outcomeAtExit('timedOut', 'c', 3, base)).toEqual({
      kind: 'timedOut',
      errorMessage: 'Function timed out after 3 seconds',
      ...base,
    });
    expect(outcomeAtExit('stopped', 'c', 3, base)).toEqual({ kind: 'stopped', ...base });
    expect(outcomeAtExit(undefined, 'c', 3, base)).toEqual({ kind: 'crashed', errorMessage: 'c', ...base });
  });
});

describe('earlyEnd', () => {
  const running: InvocationState = { requestId: 'r', inFlight: true, dispatched: true, answered: false };

  it('a timeout discards the instance after a grace period for the invocation', () => {
    expect(earlyEnd('timeout', running)).toEqual({
      kind: 'endInstance',
      mark: { fate: 'timedOut', abort: AbortReason.Timeout },
      reason: DestroyReason.TimedOut,
      message: 'Instance was killed because a concurrent invocation timed out',
      how: { graceFor: 'r' },
      killNow: false,
    });
  });

  it('a stop runs preStop and gives the same grace', () => {
    expect(earlyEnd('stop', running)).toMatchObject({
      kind: 'endInstance',
      mark: { fate: 'stopped', abort: AbortReason.Stop },
      reason: DestroyReason.Stopped,
      how: { preStopId: 'r', graceFor: 'r' },
      killNow: false,
    });
  });

  it('a forced stop kills now, and marks only an invocation without a fate', () => {
    expect(earlyEnd('forceStop', running)).toMatchObject({
      mark: { fate: 'stopped' },
      how: {},
      killNow: true,
    });
    const stopped = earlyEnd('forceStop', { ...running, fate: 'stopped' });
    expect(stopped).toMatchObject({ kind: 'endInstance', killNow: true });
    expect(stopped).not.toHaveProperty('mark');
  });

  it('a stop before dispatch settles the invocation alone', () => {
    const waiting = { ...running, dispatched: false };
    expect(earlyEnd('stop', waiting)).toEqual({ kind: 'settleStopped' });
    expect(earlyEnd('forceStop', waiting)).toEqual({ kind: 'settleStopped' });
  });

  it('leaves an answered, already ended or settled invocation alone', () => {
    for (const cause of ['timeout', 'stop', 'forceStop'] as const) {
      expect(earlyEnd(cause, { ...running, answered: true })).toEqual({ kind: 'ignore' });
    }
    expect(earlyEnd('timeout', { ...running, fate: 'stopped' })).toEqual({ kind: 'ignore' });
    expect(earlyEnd('stop', { ...running, fate: 'timedOut' })).toEqual({ kind: 'ignore' });
    expect(earlyEnd('stop', { ...running, inFlight: false })).toEqual({ kind: 'ignore' });
    expect(earlyEnd('forceStop', { ...running, inFlight: false })).toEqual({ kind: 'ignore' });
  });
});
