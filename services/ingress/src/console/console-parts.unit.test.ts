import { describe, expect, it } from 'vitest';
import { parsePrometheusText, tenantSamples } from './prometheus-text.js';
import { changesFor, sseFrame } from './task-feed.js';
import { traceIdOf, traceView } from './trace-view.js';

const change = (functionName: string, taskId: string) => ({
  taskId,
  functionName,
  type: 'TaskSucceeded',
  status: 'Succeeded',
  attempt: 1,
  timestamp: 5,
});

describe('the live task feed', () => {
  it('passes all of the tenant’s changes, or one function’s, and nothing malformed', () => {
    const message = { v: 1, changes: [change('a', '1'), change('b', '2')] };
    expect(changesFor(message, undefined)).toHaveLength(2);
    expect(changesFor(message, 'b')).toEqual([change('b', '2')]);
    expect(changesFor(message, 'c')).toEqual([]);
    expect(changesFor({ v: 2, changes: [change('a', '1')] }, undefined)).toEqual([]);
    expect(changesFor({ v: 1 }, undefined)).toEqual([]);
    expect(changesFor(null, undefined)).toEqual([]);
  });

  it('frames Server-Sent Events on one data line', () => {
    expect(sseFrame('changes', [{ a: 'x\ny' }], '3')).toBe(
      'id: 3\nevent: changes\ndata: [{"a":"x\\ny"}]\n\n',
    );
    expect(sseFrame('open', {})).toBe('event: open\ndata: {}\n\n');
  });
});

describe('trace view', () => {
  it('orders spans, measures them from the first, names lanes by service', () => {
    const view = traceView({
      traceID: 'abc',
      processes: { p1: { serviceName: 'asyncfn-ingress' }, p2: { serviceName: 'asyncfn-executor' } },
      spans: [
        {
          spanID: 's2',
          operationName: 'attempt 1',
          processID: 'p2',
          startTime: 1_005_000,
          duration: 20_000,
          references: [{ refType: 'CHILD_OF', spanID: 's1' }],
          tags: [
            { key: 'asyncfn.task.id', value: 't1' },
            { key: 'otel.status_code', value: 'ERROR' },
            { key: 'secret.thing', value: 'x' },
          ],
        },
        { spanID: 's1', operationName: 'POST', processID: 'p1', startTime: 1_000_000, duration: 2_000 },
      ],
    });
    expect(view).toMatchObject({
      traceId: 'abc',
      startTime: 1000,
      durationMs: 25,
      services: ['asyncfn-ingress', 'asyncfn-executor'],
    });
    expect(view.spans.map((s) => [s.spanId, s.offsetMs, s.durationMs, s.error, s.parentSpanId])).toEqual([
      ['s1', 0, 2, false, undefined],
      ['s2', 5, 20, true, 's1'],
    ]);
    expect(view.spans[1]!.attributes).toEqual({ 'asyncfn.task.id': 't1' });
  });

  it('reads the trace id of a traceparent', () => {
    expect(traceIdOf('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).toBe(
      '0af7651916cd43dd8448eb211c80319c',
    );
    expect(traceIdOf('00-00000000000000000000000000000000-b7ad6b7169203331-01')).toBeUndefined();
    expect(traceIdOf(undefined)).toBeUndefined();
    expect(traceIdOf('garbage')).toBeUndefined();
  });
});

describe('metrics for one tenant', () => {
  const text = (queue: number, accepted: number) => `# HELP asyncfn_tasks_accepted_total Tasks accepted
# TYPE asyncfn_tasks_accepted_total counter
asyncfn_tasks_accepted_total{function="f",tenant="acme"} ${accepted}
asyncfn_tasks_accepted_total{function="f",tenant="other"} 99
# TYPE asyncfn_queue_depth gauge
asyncfn_queue_depth{function="f",tenant="acme"} ${queue}
# TYPE asyncfn_task_run_duration_seconds histogram
asyncfn_task_run_duration_seconds_bucket{function="f",tenant="acme",status="Succeeded",le="+Inf"} 4
process_cpu_seconds_total 12
`;

  it('parses the exposition format, labels with escapes included', () => {
    const samples = parsePrometheusText('# TYPE x counter\nx{a="q\\"uote",b="n\\\\l"} 1.5 1700000000\n');
    expect(samples).toEqual([{ name: 'x', labels: { a: 'q"uote', b: 'n\\l' }, value: 1.5, type: 'counter' }]);
  });

  it('keeps only the tenant’s asyncfn samples: counters add up, queue depth is the largest report', () => {
    const merged = tenantSamples([parsePrometheusText(text(3, 5)), parsePrometheusText(text(7, 2))], 'acme');
    const by = (name: string) => merged.filter((s) => s.name === name);
    expect(by('asyncfn_tasks_accepted_total')).toEqual([
      { name: 'asyncfn_tasks_accepted_total', labels: { function: 'f' }, value: 7, type: 'counter' },
    ]);
    expect(by('asyncfn_queue_depth')[0]!.value).toBe(7);
    expect(by('asyncfn_task_run_duration_seconds_bucket')[0]).toMatchObject({ value: 8, type: 'histogram' });
    expect(merged.some((s) => s.name.startsWith('process_'))).toBe(false);
    expect(JSON.stringify(merged)).not.toContain('other');
  });
});
