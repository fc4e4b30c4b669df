import {
  context,
  propagation,
  trace,
  ROOT_CONTEXT,
  SpanKind,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import {
  SemAttr,
  droppedUnder,
  taskAttributes,
  withSpan as sharedWithSpan,
  type SpanOptions,
  type TaskRef,
} from '@asyncfn/telemetry';

/*
 * NATS has no OpenTelemetry instrumentation, so trace context crosses it here, once: publishers
 * open a PRODUCER span and inject its W3C traceparent into the message headers, consumers extract
 * it and run the handler in a CONSUMER span (OTel messaging semantic conventions).
 */

const setter: TextMapSetter<MsgHdrs> = { set: (carrier, key, value) => carrier.set(key, value) };
const getter: TextMapGetter<MsgHdrs | undefined> = {
  get: (carrier, key) => carrier?.get(key) || undefined,
  keys: (carrier) => (carrier ? [...carrier.keys()] : []),
};

export function headersWithTrace(ctx: Context = context.active()): MsgHdrs {
  const h = natsHeaders();
  propagation.inject(ctx, h, setter);
  return h;
}

export function contextFromHeaders(h: MsgHdrs | undefined): Context {
  return propagation.extract(ROOT_CONTEXT, h, getter);
}

/** A context whose parent is the given W3C traceparent (from a stored task), or the active one. */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  if (!traceparent) return context.active();
  return propagation.extract(
    ROOT_CONTEXT,
    { traceparent },
    {
      get: (c, k) => c[k as 'traceparent'],
      keys: (c) => Object.keys(c),
    },
  );
}

/** The traceparent of the active span, to store with a task or hand to a function. */
export function currentTraceparent(ctx: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent;
}

/**
 * Where a span about a task belongs: under the active span when that is already in the task's
 * trace (a consumer publishing the next event), else under the task's stored traceparent, linked
 * to the active span (a stop request arrives in its own HTTP trace; the sweeper has none). This
 * is what keeps one task in one trace.
 */
export function taskParent(traceparent: string | undefined): { parent: Context; links: Link[] } {
  const active = context.active();
  const activeSpan = trace.getSpanContext(active);
  if (!traceparent) return { parent: active, links: [] };
  const task = contextFromTraceparent(traceparent);
  const taskSpan = trace.getSpanContext(task);
  if (!taskSpan || activeSpan?.traceId === taskSpan.traceId) return { parent: active, links: [] };
  return { parent: task, links: activeSpan ? [{ context: activeSpan }] : [] };
}

/**
 * Low-cardinality form of a subject for span names: `<ns>.<kind>.<tenant>.<function>[.<rest>]`
 * (see contracts' names.ts) becomes `<ns>.<kind>.*.*[.<rest>]`.
 */
export function subjectTemplate(subject: string): string {
  const parts = subject.split('.');
  if (parts.length < 4) return subject;
  // A queued task's subject ends in its task id: never a span name.
  if (parts[1] === 'tasks') return [parts[0], parts[1], ...parts.slice(2).map(() => '*')].join('.');
  return [parts[0], parts[1], '*', '*', ...parts.slice(4)].join('.');
}

/** The shared withSpan (libs/telemetry), reported under this lib's instrumentation scope. */
export function withSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  return sharedWithSpan(name, { tracer: '@asyncfn/nats', ...options }, fn);
}

/**
 * A JetStream publish about a task as a PRODUCER span (`send <subject template>`), in the task's
 * trace; `publish` gets headers carrying that span's context, so the consumer's span follows it.
 */
export function withProducerSpan<T>(
  subject: string,
  task: TaskRef & { traceparent?: string },
  message: { id: string; size: number },
  publish: (headers: MsgHdrs) => Promise<T>,
): Promise<T> {
  const { parent, links } = taskParent(task.traceparent);
  if (droppedUnder(parent)) return publish(headersWithTrace(parent));
  const template = subjectTemplate(subject);
  return withSpan(
    `send ${template}`,
    {
      kind: SpanKind.PRODUCER,
      parent,
      links,
      attributes: {
        [SemAttr.messagingSystem]: 'nats',
        [SemAttr.messagingDestination]: subject,
        [SemAttr.messagingDestinationTemplate]: template,
        [SemAttr.messagingOperationType]: 'send',
        [SemAttr.messagingOperationName]: 'publish',
        [SemAttr.messagingMessageId]: message.id,
        [SemAttr.messagingBodySize]: message.size,
        ...taskAttributes(task),
      },
    },
    () => publish(headersWithTrace()),
  );
}

/** Attributes of a CONSUMER span for one message. */
export function consumerAttributes(
  subject: string,
  consumerGroup: string,
  extra: Attributes = {},
): Attributes {
  return {
    [SemAttr.messagingSystem]: 'nats',
    [SemAttr.messagingDestination]: subject,
    [SemAttr.messagingDestinationTemplate]: subjectTemplate(subject),
    [SemAttr.messagingOperationType]: 'process',
    [SemAttr.messagingOperationName]: 'process',
    [SemAttr.messagingConsumerGroup]: consumerGroup,
    ...extra,
  };
}

export { SpanKind };
