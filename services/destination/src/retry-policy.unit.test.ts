import { describe, expect, it } from 'vitest';
import { hasAttemptsLeft, retryDelayMs, type RetryPolicy } from './retry-policy.js';

const policy: RetryPolicy = { maxAttempts: 5, baseMs: 1_000, maxMs: 10_000 };

describe('retry policy', () => {
  it('doubles the delay after each failed attempt, up to the cap', () => {
    const noJitter = () => 0;
    expect([1, 2, 3, 4, 5, 6].map((a) => retryDelayMs(a, policy, noJitter))).toEqual([
      1_000, 2_000, 4_000, 8_000, 10_000, 10_000,
    ]);
  });

  it('takes off at most 20% as jitter', () => {
    expect(retryDelayMs(2, policy, () => 1)).toBe(1_600);
    expect(retryDelayMs(2, policy, () => 0.5)).toBe(1_800);
  });

  it('gives maxAttempts attempts in all', () => {
    expect([1, 2, 3, 4, 5].map((a) => hasAttemptsLeft(a, policy))).toEqual([true, true, true, true, false]);
    expect(hasAttemptsLeft(1, { ...policy, maxAttempts: 1 })).toBe(false);
  });
});
