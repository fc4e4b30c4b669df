import { TaskStatus, type AcceptedTaskMessage } from '@asyncfn/contracts';
import type { DispatchDecision } from '@asyncfn/core';
import { annotateTask, metrics, taskLogger, type Logger } from '@asyncfn/telemetry';

/** The state each dispatch decision leads the task to (a deferred task stays Enqueued). */
const STATUS_OF: Record<DispatchDecision['kind'], TaskStatus> = {
  defer: TaskStatus.Enqueued,
  stop: TaskStatus.Stopped,
  invalid: TaskStatus.Invalid,
  expire: TaskStatus.Expired,
  run: TaskStatus.Dequeued,
};

/**
 * Tags the consumer span with the task and the state it reached, records the task's age at
 * dequeue (since accepted; a delayed task's age includes its delay; deferrals are not dequeues),
 * and logs the decision at debug.
 */
export function recordDispatch(
  task: AcceptedTaskMessage,
  decision: DispatchDecision,
  now: number,
  logger?: Logger,
): void {
  const status = STATUS_OF[decision.kind];
  annotateTask({
    taskId: task.taskId,
    functionName: task.functionName,
    tenant: task.tenant,
    attempt: 0,
    status,
  });
  if (decision.kind !== 'defer') metrics.dequeued(task.tenant, task.functionName, now - task.enqueuedAt);
  if (logger?.isLevelEnabled('debug'))
    taskLogger(logger, task).debug({ decision: decision.kind, status }, 'task dispatched');
}
