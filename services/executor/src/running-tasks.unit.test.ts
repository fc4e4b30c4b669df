import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRunningTasks } from './running-tasks.js';

describe('running tasks', () => {
  beforeEach(() => vi.useFakeTimers({ now: 10_000 }));
  afterEach(() => vi.useRealTimers());

  it('given a running attempt, when a stop arrives, then its signal aborts and it is not killed', () => {
    const running = createRunningTasks();
    const attempt = running.register('acme', 't1');
    expect(running.stop('acme', 't1')).toBe(true);
    expect(attempt.signal.aborted).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(attempt.kill.aborted).toBe(false);
  });

  it('given a stop with a force deadline, then the kill comes at that moment', () => {
    const running = createRunningTasks();
    const attempt = running.register('acme', 't1');
    running.stop('acme', 't1', 10_500);
    vi.advanceTimersByTime(499);
    expect(attempt.kill.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(attempt.kill.aborted).toBe(true);
  });

  it('given a graceful stop under way, when a stop with an earlier deadline arrives, then it escalates; a later one does not delay it', () => {
    const running = createRunningTasks();
    const attempt = running.register('acme', 't1');
    running.stop('acme', 't1', 15_000);
    running.stop('acme', 't1', 10_100);
    running.stop('acme', 't1', 20_000);
    vi.advanceTimersByTime(100);
    expect(attempt.kill.aborted).toBe(true);
  });

  it('given a deadline already past, then the kill is immediate; unknown tasks are not stopped', () => {
    const running = createRunningTasks();
    const attempt = running.register('acme', 't1');
    running.stop('acme', 't1', 9_000);
    vi.advanceTimersByTime(0);
    expect(attempt.kill.aborted).toBe(true);
    expect(running.stop('acme', 'other')).toBe(false);
    expect(running.stop('other-tenant', 't1')).toBe(false);
  });

  it('given an attempt that ended, then a pending kill timer is dropped', () => {
    const running = createRunningTasks();
    const attempt = running.register('acme', 't1');
    running.stop('acme', 't1', 11_000);
    running.unregister('acme', 't1');
    vi.advanceTimersByTime(5_000);
    expect(attempt.kill.aborted).toBe(false);
    expect(running.size()).toBe(0);
  });
});
