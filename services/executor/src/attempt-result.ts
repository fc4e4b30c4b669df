import type { TaskResources } from '@asyncfn/contracts';
import type { AttemptResult } from '@asyncfn/core';
import type { InvokeOutcome } from '@asyncfn/runtime';

/** The runtime's outcome as the retry policy sees it (FC's errorType / errorMessage). */
export function attemptResult(outcome: InvokeOutcome): AttemptResult {
  switch (outcome.kind) {
    case 'succeeded':
      return { kind: 'succeeded', result: outcome.result.toString('utf8') };
    case 'failed':
      return { kind: 'failed', errorType: outcome.errorType, errorMessage: outcome.errorMessage };
    case 'timedOut':
      return { kind: 'failed', errorType: 'FunctionTimeout', errorMessage: outcome.errorMessage };
    case 'crashed':
      return { kind: 'failed', errorType: 'InstanceCrashed', errorMessage: outcome.errorMessage };
    case 'stopped':
      return { kind: 'stopped' };
    default: {
      const unknown: never = outcome;
      throw new Error(`unknown outcome ${JSON.stringify(unknown)}`);
    }
  }
}

/** The task's resource figures from the runtime's outcome (absent where /proc is not). */
export function resourcesOf(outcome: InvokeOutcome): TaskResources {
  return {
    durationMs: outcome.durationMs,
    ...(outcome.usage
      ? { peakMemoryMB: outcome.usage.peakMemoryMB, cpuTimeMs: outcome.usage.cpuTimeMs }
      : {}),
  };
}
