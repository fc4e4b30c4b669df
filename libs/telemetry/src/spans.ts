import {
  context,
  trace,
  SpanKind,
  SpanStatusCode,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { droppedUnder } from './sampling.js';

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes | (() => Attributes);
  parent?: Context;
  links?: Link[];
  startTime?: number;
  /** The instrumentation scope (tracer name) the span is reported under. */
  tracer?: string;
}

/**
 * Runs `fn` in a new active span, ended when `fn` settles; a throw is recorded on it (exception and
 * ERROR status) and rethrown. Under a parent the sampler drops anyway, no span is made: `fn` runs
 * in the parent's context (so what it publishes stays in that trace) with a no-op span, and
 * `attributes`, when given as a function, is never evaluated.
 */
export async function withSpan<T>(
  name: string,
  options: SpanOptions,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  if (droppedUnder(parent)) {
    return context.with(parent, () => fn(trace.wrapSpanContext(trace.getSpanContext(parent)!)));
  }
  const attributes = typeof options.attributes === 'function' ? options.attributes() : options.attributes;
  return trace.getTracer(options.tracer ?? '@asyncfn/telemetry').startActiveSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(attributes ? { attributes } : {}),
      ...(options.links?.length ? { links: options.links } : {}),
      ...(options.startTime !== undefined ? { startTime: options.startTime } : {}),
    },
    parent,
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
