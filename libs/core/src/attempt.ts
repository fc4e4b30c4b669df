/** How one attempt ended, as the executor reports it (runtime outcome kinds, simplified). */
export type AttemptResult =
  | { kind: 'succeeded'; result: string }
  | { kind: 'failed'; errorType: string; errorMessage: string }
  | { kind: 'stopped' };

/** The one mapping from an attempt's result to what happens to the task next. */
export type AttemptVerdict =
  | { kind: 'succeed'; result: string }
  | { kind: 'retry'; errorType: string; errorMessage: string; delayMs: number }
  | { kind: 'fail'; errorType: string; errorMessage: string }
  | { kind: 'stop' };

export interface RetryPolicy {
  /** Delay before the first retry; doubles per retry. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 1_000, maxDelayMs: 60_000 };

export function retryDelayMs(attempt: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * `attempt` is 1-based and counts every start of the task, crash redeliveries included, so a
 * task never runs more than 1 + maxRetries times.
 */
export function judgeAttempt(
  result: AttemptResult,
  attempt: number,
  maxRetries: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): AttemptVerdict {
  switch (result.kind) {
    case 'succeeded':
      return { kind: 'succeed', result: result.result };
    case 'stopped':
      return { kind: 'stop' };
    case 'failed':
      return attempt <= maxRetries
        ? {
            kind: 'retry',
            errorType: result.errorType,
            errorMessage: result.errorMessage,
            delayMs: retryDelayMs(attempt, policy),
          }
        : { kind: 'fail', errorType: result.errorType, errorMessage: result.errorMessage };
    default: {
      const unknown: never = result;
      throw new Error(`unknown result ${JSON.stringify(unknown)}`);
    }
  }
}
