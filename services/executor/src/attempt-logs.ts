import type { RunTaskMessage } from '@asyncfn/contracts';
import type { TaskLogs } from '@asyncfn/nats';
import type { InvokeOutcome } from '@asyncfn/runtime';

/** Captured output kept per task, all attempts together (oldest dropped first). */
export const TASK_LOG_MAX_BYTES = 256 * 1024;

/** The line that opens an attempt's output in the task's logs. */
export function attemptLogHeader(
  functionName: string,
  attempt: number,
  startedAt: number,
  outcome: Pick<InvokeOutcome, 'kind' | 'instanceId' | 'durationMs'>,
  interrupted: boolean,
): string {
  const how = interrupted ? 'interrupted by executor shutdown' : outcome.kind;
  const on = outcome.instanceId ? ` on instance ${outcome.instanceId}` : '';
  return `----- attempt ${attempt} of ${functionName}${on}, ${new Date(startedAt).toISOString()}, ${how} in ${outcome.durationMs} ms -----\n`;
}

/** Appends the attempt's output to the task's logs; a failure here never fails the attempt. */
export async function saveAttemptLogs(
  deps: { logs: TaskLogs; logger: { warn(obj: object, msg?: string): void } },
  run: RunTaskMessage,
  functionName: string,
  attempt: number,
  startedAt: number,
  outcome: InvokeOutcome,
  interrupted: boolean,
): Promise<void> {
  const header = attemptLogHeader(functionName, attempt, startedAt, outcome, interrupted);
  try {
    await deps.logs.append(run.tenant, run.taskId, header, outcome.logs, TASK_LOG_MAX_BYTES, {
      firstAppend: attempt === 1,
    });
  } catch (err) {
    deps.logger.warn({ err, taskId: run.taskId }, 'could not save task logs');
  }
}
