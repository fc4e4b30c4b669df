import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { TaskStatus, type RunTaskMessage } from '@asyncfn/contracts';
import { judgeAttempt, type AttemptVerdict } from '@asyncfn/core';
import { currentTraceparent } from '@asyncfn/nats';
import type { InstanceEvent, InvokeOutcome } from '@asyncfn/runtime';
import { SemAttr, TaskAttr, annotateTask, metrics, taskAttributes, withSpan } from '@asyncfn/telemetry';
import { attemptResult } from './attempt-result.js';

const STATUS_OF: Record<AttemptVerdict['kind'], TaskStatus> = {
  succeed: TaskStatus.Succeeded,
  retry: TaskStatus.Retrying,
  fail: TaskStatus.Failed,
  stop: TaskStatus.Stopped,
};

/**
 * One attempt as its own span, `attempt <n>`, around the invocation: its traceparent is what the
 * function's process receives, so the function's span (and any span the function makes) is a
 * child of the attempt. Retries are redeliveries of the same run message, so every attempt of a
 * task lands in the task's one trace. The span records the state the attempt led to, with the
 * same rule the handler applies (judgeAttempt).
 */
export async function traceAttempt(
  run: RunTaskMessage,
  attempt: number,
  invoke: (traceparent: string | undefined) => Promise<InvokeOutcome>,
): Promise<InvokeOutcome> {
  const task = { taskId: run.taskId, functionName: run.functionName, tenant: run.tenant, attempt };
  const consumerSpan = trace.getActiveSpan();
  annotateTask({ ...task, status: TaskStatus.Running }, consumerSpan);
  if (attempt === 1) metrics.started(run.tenant, run.functionName, Date.now() - run.enqueuedAt);
  // Unsampled, withSpan makes no span; the function still gets the trace's (unsampled) traceparent.
  const outcome = await withSpan(
    `attempt ${attempt}`,
    {
      tracer: '@asyncfn/executor',
      kind: SpanKind.CLIENT,
      attributes: () => ({
        ...taskAttributes({ ...task, status: TaskStatus.Running }),
        [SemAttr.faasInvokedName]: run.functionName,
        [SemAttr.faasInvokedProvider]: 'asyncfn',
        [SemAttr.faasInvocationId]: run.requestId,
      }),
    },
    async (span) => {
      const outcome = await invoke(currentTraceparent());
      if (!span.isRecording()) return outcome;
      const status = STATUS_OF[judgeAttempt(attemptResult(outcome), attempt, run.maxRetries).kind];
      span.setAttributes({
        [TaskAttr.status]: status,
        'asyncfn.attempt.outcome': outcome.kind,
        'asyncfn.instance.id': outcome.instanceId,
        ...('coldStart' in outcome ? { [SemAttr.faasColdstart]: outcome.coldStart } : {}),
      });
      consumerSpan?.setAttribute(TaskAttr.status, status);
      if (outcome.kind !== 'succeeded')
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: 'errorMessage' in outcome ? outcome.errorMessage : outcome.kind,
        });
      return outcome;
    },
  );
  metrics.attemptFinished(run.tenant, run.functionName, outcome.kind);
  return outcome;
}

/** Live instances and cold starts from the pool's lifecycle events (key = `tenant/function`). */
export function recordInstanceEvent(event: InstanceEvent): void {
  const slash = event.key.indexOf('/');
  const tenant = event.key.slice(0, slash);
  const functionName = event.key.slice(slash + 1);
  if (event.type === 'started') metrics.instanceStarted(tenant, functionName);
  else if (event.type === 'destroyed') metrics.instanceDestroyed(tenant, functionName);
}
