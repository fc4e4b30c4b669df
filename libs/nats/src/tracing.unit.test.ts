import { context, propagation, trace, ROOT_CONTEXT, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentTraceparent, subjectTemplate, taskParent, withProducerSpan, withSpan } from './tracing.js';

const TASK = '00-11111111111111111111111111111111-2222222222222222-01';
const spanIn = (traceId: string, spanId: string) =>
  trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: TraceFlags.SAMPLED });

describe('NATS trace context', () => {
  beforeAll(() => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });

  it('names spans after subject templates, never after tenants or functions', () => {
    expect(subjectTemplate('asyncfn.events.default.hello.TaskStarted')).toBe(
      'asyncfn.events.*.*.TaskStarted',
    );
    expect(subjectTemplate('asyncfn.tasks.default.hello.task-1')).toBe('asyncfn.tasks.*.*.*');
    expect(subjectTemplate('asyncfn.claims.default.task-1')).toBe('asyncfn.claims.*.*');
    expect(subjectTemplate('asyncfn.intake')).toBe('asyncfn.intake');
  });

  it('puts a task span under the task traceparent when nothing of that trace is active', () => {
    const { parent, links } = taskParent(TASK);
    expect(currentTraceparent(parent)).toBe(TASK);
    expect(links).toEqual([]);
  });

  it('keeps the active span as parent when it is already in the task trace', () => {
    const active = spanIn('11111111111111111111111111111111', '3333333333333333');
    context.with(active, () => {
      const { parent } = taskParent(TASK);
      expect(trace.getSpanContext(parent)?.spanId).toBe('3333333333333333');
    });
  });

  it('links, not parents, a span of another trace (a stop request has its own HTTP trace)', () => {
    const other = spanIn('99999999999999999999999999999999', '4444444444444444');
    context.with(other, () => {
      const { parent, links } = taskParent(TASK);
      expect(trace.getSpanContext(parent)?.traceId).toBe('11111111111111111111111111111111');
      expect(links.map((l) => l.context.spanId)).toEqual(['4444444444444444']);
    });
  });

  describe('under an unsampled parent (the default sampler follows the parent)', () => {
    const UNSAMPLED = '00-55555555555555555555555555555555-6666666666666666-00';

    it('makes no span: the work runs in the parent context, attributes are never built', async () => {
      const parent = taskParent(UNSAMPLED).parent;
      let built = false;
      const seen = await withSpan(
        'process x',
        {
          parent,
          attributes: () => {
            built = true;
            return {};
          },
        },
        async (span) => ({ recording: span.isRecording(), active: currentTraceparent() }),
      );
      expect(built).toBe(false);
      expect(seen).toEqual({ recording: false, active: UNSAMPLED });
    });

    it('publishes with the task trace context, still unsampled', async () => {
      const sent = await withProducerSpan(
        'asyncfn.events.default.hello.TaskStarted',
        { taskId: 't', tenant: 'default', functionName: 'hello', traceparent: UNSAMPLED },
        { id: 'e1', size: 10 },
        async (headers) => headers.get('traceparent'),
      );
      expect(sent).toBe(UNSAMPLED);
    });
  });
});
