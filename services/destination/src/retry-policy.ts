/** How deliveries are retried: exponential backoff with jitter, a bounded number of attempts. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Delay after the first failed attempt, ms; doubled after each further one. */
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseMs: 1_000, maxMs: 60_000 };

/** Whether a failed attempt (1-based) gets another one. */
export function hasAttemptsLeft(attempt: number, policy: RetryPolicy): boolean {
  return attempt < policy.maxAttempts;
}

/**
 * The delay before the attempt after `attempt` failed: base·2^(attempt-1), capped, minus up to
 * 20% jitter so destinations that failed together are not retried in lockstep.
 */
export function retryDelayMs(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exponential = policy.baseMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(policy.maxMs, exponential);
  return Math.max(0, Math.round(capped * (1 - 0.2 * random())));
}
