import { describe, expect, it } from 'vitest';
import { bucketDelta, histogramQuantile, perSecond, totals, type Sample } from './metrics.js';

const s = (name: string, value: number, labels: Record<string, string> = {}): Sample => ({
  name,
  labels: { function: 'f', ...labels },
  value,
  type: 'counter',
});

describe('metrics', () => {
  it('interpolates a quantile inside its bucket, like histogram_quantile', () => {
    const buckets = [
      { le: 0.1, count: 50 },
      { le: 0.5, count: 90 },
      { le: 1, count: 100 },
      { le: Infinity, count: 100 },
    ];
    expect(histogramQuantile(buckets, 0.5)).toBeCloseTo(0.1);
    expect(histogramQuantile(buckets, 0.7)).toBeCloseTo(0.3);
    expect(histogramQuantile(buckets, 0.99)).toBeCloseTo(0.95);
    expect(histogramQuantile([{ le: Infinity, count: 0 }], 0.5)).toBeUndefined();
    // Beyond the last finite bucket: its bound (as PromQL answers).
    expect(
      histogramQuantile(
        [
          { le: 1, count: 1 },
          { le: Infinity, count: 10 },
        ],
        0.99,
      ),
    ).toBe(1);
  });

  it('sums the samples the page charts', () => {
    const t = totals([
      s('asyncfn_tasks_accepted_total', 7),
      s('asyncfn_tasks_accepted_total', 3, { function: 'g' }),
      s('asyncfn_tasks_finished_total', 5, { status: 'Succeeded' }),
      s('asyncfn_tasks_finished_total', 2, { status: 'Failed' }),
      s('asyncfn_queue_depth', 4),
      s('asyncfn_task_run_duration_seconds_bucket', 1, { status: 'Succeeded', le: '0.1' }),
      s('asyncfn_task_run_duration_seconds_bucket', 2, { status: 'Failed', le: '0.1' }),
      s('asyncfn_task_run_duration_seconds_bucket', 5, { status: 'Succeeded', le: '+Inf' }),
    ]);
    expect([t.accepted, t.succeeded, t.failed, t.queueDepth]).toEqual([10, 5, 2, 4]);
    expect(t.runBuckets.get('f')).toEqual([
      { le: 0.1, count: 3 },
      { le: Infinity, count: 5 },
    ]);
  });

  it('turns counters into rates and bucket deltas', () => {
    expect(perSecond(10, 30, 4)).toBe(5);
    expect(perSecond(100, 6, 2)).toBe(3); // restarted: counts from zero
    expect(
      bucketDelta(
        [{ le: 1, count: 3 }],
        [
          { le: 1, count: 5 },
          { le: Infinity, count: 6 },
        ],
      ),
    ).toEqual([
      { le: 1, count: 2 },
      { le: Infinity, count: 6 },
    ]);
  });
});
