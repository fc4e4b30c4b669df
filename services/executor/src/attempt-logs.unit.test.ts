import { describe, expect, it } from 'vitest';
import { attemptLogHeader } from './attempt-logs.js';

describe('attemptLogHeader', () => {
  const at = Date.UTC(2026, 0, 2, 3, 4, 5);

  it('names the attempt, function, instance, start and how it ended', () => {
    expect(attemptLogHeader('f', 2, at, { kind: 'failed', instanceId: 'i-1', durationMs: 12 }, false)).toBe(
      '----- attempt 2 of f on instance i-1, 2026-01-02T03:04:05.000Z, failed in 12 ms -----\n',
    );
  });

  it('says when executor shutdown cut it short, and leaves out a missing instance', () => {
    expect(attemptLogHeader('f', 1, at, { kind: 'crashed', instanceId: '', durationMs: 0 }, true)).toBe(
      '----- attempt 1 of f, 2026-01-02T03:04:05.000Z, interrupted by executor shutdown in 0 ms -----\n',
    );
  });
});
