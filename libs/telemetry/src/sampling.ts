import { TraceFlags, trace, type Context } from '@opentelemetry/api';
import { readSetting } from '@asyncfn/config';

/*
 * With a parent-based sampler (OpenTelemetry's default, and every OTEL_TRACES_SAMPLER=parentbased_*)
 * a span whose parent was not sampled is never recorded. Hot paths ask first and skip building the
 * span and its attributes: with a sampling ratio, that is most tasks.
 */

const sampler = readSetting('OTEL_TRACES_SAMPLER');

/** True when a span started under `parent` would be dropped by the sampler anyway. */
export function droppedUnder(parent: Context, samplerName: string = sampler): boolean {
  if (!samplerName.startsWith('parentbased_')) return false;
  const parentSpan = trace.getSpanContext(parent);
  return (
    parentSpan !== undefined &&
    trace.isSpanContextValid(parentSpan) &&
    (parentSpan.traceFlags & TraceFlags.SAMPLED) === 0
  );
}
