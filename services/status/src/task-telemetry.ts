import type { JsMsg } from '@nats-io/jetstream';
import { SpanKind, context, trace, type Context, type Span } from '@opentelemetry/api';
import { STATUS_AFTER, isTerminal, type TaskEvent } from '@asyncfn/contracts';
import { consumerAttributes, contextFromHeaders, subjectTemplate } from '@asyncfn/nats';
import { droppedUnder, metrics, taskAttributes, taskLogger, type Logger } from '@asyncfn/telemetry';

const tracer = () => trace.getTracer('@asyncfn/status');

/**
 * What the status service reports once an event is applied (recorded in MongoDB): a CONSUMER span
 * in the task's trace, child of the event's PRODUCER span and linked to the batch span that wrote
 * it, and the metrics that must count each transition exactly once (a redelivered event is stale,
 * not applied, so it is not counted twice).
 */
export function createAppliedObserver(deps: { consumer: string; logger: Logger }) {
  function traceApplied(event: TaskEvent, msg: JsMsg, parent: Context): Span {
    const status = STATUS_AFTER[event.type];
    const batch = trace.getActiveSpan()?.spanContext();
    const span = tracer().startSpan(
      `process ${subjectTemplate(msg.subject)}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          ...consumerAttributes(msg.subject, deps.consumer),
          ...taskAttributes({ ...event, status }),
          'asyncfn.event.id': event.eventId,
          'asyncfn.event.type': event.type,
          'asyncfn.event.source': event.source,
        },
        ...(batch ? { links: [{ context: batch }] } : {}),
      },
      parent,
    );
    span.end();
    return span;
  }

  return function onApplied(event: TaskEvent, msg: JsMsg): void {
    try {
      const status = STATUS_AFTER[event.type];
      const parent = contextFromHeaders(msg.headers);
      // Unsampled (the sampler follows the parent): no span to build.
      const span = droppedUnder(parent) ? undefined : traceApplied(event, msg, parent);
      if (deps.logger.isLevelEnabled('debug')) {
        const log = () =>
          taskLogger(deps.logger, event).debug(
            { type: event.type, status, eventId: event.eventId },
            'event applied',
          );
        // In the span's context, the line carries the task's trace_id and span_id.
        if (span) context.with(trace.setSpan(context.active(), span), log);
        else log();
      }
      if (event.type === 'TaskRetryScheduled') metrics.taskRetried(event.tenant, event.functionName);
      if (isTerminal(status)) {
        metrics.taskFinished(event.tenant, event.functionName, status);
        // Succeeded and Failed carry the final attempt's Running → terminal time.
        if ('durationMs' in event) metrics.ran(event.tenant, event.functionName, status, event.durationMs);
      }
    } catch (err) {
      // Telemetry must never fail a batch (it would be redelivered and written again).
      deps.logger.warn({ err, taskId: event.taskId }, 'telemetry for an applied event failed');
    }
  };
}
