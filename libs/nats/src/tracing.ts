import {
  context,
  propagation,
  trace,
  SpanKind,
  SpanStatusCode,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';

/*
 * NATS has no OpenTelemetry instrumentation, so trace context crosses it here, once: publishers
 * inject W3C traceparent into message headers, consumers extract it and run the handler in a
 * CONSUMER span (OTel messaging semantic conventions).
 */

const tracer = () => trace.getTracer('@asyncfn/nats');

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
  return propagation.extract(context.active(), h, getter);
}

/** A context whose parent is the given W3C traceparent (from a stored task), or the active one. */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  if (!traceparent) return context.active();
  return propagation.extract(
    context.active(),
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

export async function withSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Record<string, string | number | boolean>; parent?: Context },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes ? { attributes: options.attributes } : {}),
    },
    options.parent ?? context.active(),
    async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

export { SpanKind };
