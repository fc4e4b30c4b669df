import type { Attributes, Context } from '@opentelemetry/api';
import type { TriggerRecord } from '@asyncfn/contracts';
import { currentTraceparent, withSpan, type SpanKind } from '@asyncfn/nats';
import { SemAttr, taskAttributes } from '@asyncfn/telemetry';
import { submitUntilAnswered, type SubmitOutcome } from './intake-client.js';
import type { RunnerDeps } from './runner.js';

const FAAS_TRIGGER = { kafka: 'pubsub', nats: 'pubsub', timer: 'timer', http: 'http' } as const;

/**
 * Hands one triggered invocation to the intake inside a span under `parent` (the message's own
 * trace context when it carried one), so the task's trace continues the producer's.
 */
export function invokeFromTrigger(
  deps: RunnerDeps,
  record: TriggerRecord,
  input: {
    taskId: string;
    event: unknown;
    parent: Context;
    kind: SpanKind;
    attributes?: Attributes;
    signal: AbortSignal;
  },
): Promise<SubmitOutcome | 'rejected'> {
  const task = { taskId: input.taskId, functionName: record.functionName, tenant: record.tenant };
  return withSpan(
    `${record.triggerType} trigger`,
    {
      kind: input.kind,
      parent: input.parent,
      attributes: {
        [SemAttr.faasTrigger]: FAAS_TRIGGER[record.triggerType],
        'asyncfn.trigger.name': record.triggerName,
        ...taskAttributes(task),
        ...input.attributes,
      },
    },
    async (span) => {
      const traceparent = currentTraceparent();
      const outcome = await submitUntilAnswered(
        deps.intake,
        {
          tenant: record.tenant,
          functionName: record.functionName,
          taskId: input.taskId,
          payload: Buffer.from(JSON.stringify(input.event)).toString('base64'),
          ...(traceparent ? { traceparent } : {}),
        },
        { signal: input.signal, logger: deps.logger },
      );
      span.setAttribute('asyncfn.trigger.outcome', outcome);
      return outcome;
    },
  );
}
