import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { droppedUnder } from './sampling.js';

const under = (traceFlags: TraceFlags) =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags,
    isRemote: true,
  });

describe('droppedUnder', () => {
  it('is true under an unsampled parent with a parent-based sampler', () => {
    expect(droppedUnder(under(TraceFlags.NONE), 'parentbased_traceidratio')).toBe(true);
    expect(droppedUnder(under(TraceFlags.NONE), 'parentbased_always_on')).toBe(true);
  });

  it('is false under a sampled parent, without a parent, or when the sampler ignores parents', () => {
    expect(droppedUnder(under(TraceFlags.SAMPLED), 'parentbased_traceidratio')).toBe(false);
    expect(droppedUnder(ROOT_CONTEXT, 'parentbased_traceidratio')).toBe(false);
    expect(droppedUnder(under(TraceFlags.NONE), 'traceidratio')).toBe(false);
    expect(droppedUnder(under(TraceFlags.NONE), 'always_on')).toBe(false);
  });
});
