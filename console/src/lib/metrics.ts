/** A sample of GET /metrics-summary. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  type: string;
}

/**
 * The q-quantile of a Prometheus histogram from its cumulative buckets, interpolated linearly
 * inside the bucket it falls in (as PromQL's histogram_quantile does). Undefined without data.
 */
export function histogramQuantile(buckets: { le: number; count: number }[], q: number): number | undefined {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of sorted) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe;
      const inBucket = b.count - prevCount;
      return inBucket <= 0 ? b.le : prevLe + ((b.le - prevLe) * (rank - prevCount)) / inBucket;
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

const sum = (samples: Sample[], name: string, match: (l: Record<string, string>) => boolean = () => true) =>
  samples.filter((s) => s.name === name && match(s.labels)).reduce((acc, s) => acc + s.value, 0);

/** The totals the metrics page charts, from one read. */
export interface Totals {
  accepted: number;
  succeeded: number;
  failed: number;
  queueDepth: number;
  /** Per function: cumulative buckets of Running → terminal (seconds). */
  runBuckets: Map<string, { le: number; count: number }[]>;
}

export function totals(samples: Sample[]): Totals {
  const runBuckets = new Map<string, Map<number, number>>();
  for (const s of samples) {
    if (s.name !== 'asyncfn_task_run_duration_seconds_bucket') continue;
    const fn = s.labels.function ?? '';
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    const perFn = runBuckets.get(fn) ?? new Map<number, number>();
    // Summed over the status label: the latency of every finished run.
    perFn.set(le, (perFn.get(le) ?? 0) + s.value);
    runBuckets.set(fn, perFn);
  }
  return {
    accepted: sum(samples, 'asyncfn_tasks_accepted_total'),
    succeeded: sum(samples, 'asyncfn_tasks_finished_total', (l) => l.status === 'Succeeded'),
    failed: sum(samples, 'asyncfn_tasks_finished_total', (l) => l.status === 'Failed'),
    queueDepth: sum(samples, 'asyncfn_queue_depth'),
    runBuckets: new Map([...runBuckets].map(([fn, m]) => [fn, [...m].map(([le, count]) => ({ le, count }))])),
  };
}

/** Per second between two reads; a counter that went down (a process restarted) counts from 0. */
export function perSecond(before: number, after: number, seconds: number): number {
  if (seconds <= 0) return 0;
  return (after >= before ? after - before : after) / seconds;
}

/** Buckets of what finished between two reads (cumulative counts subtracted bucket by bucket). */
export function bucketDelta(
  before: { le: number; count: number }[] | undefined,
  after: { le: number; count: number }[],
): { le: number; count: number }[] {
  const earlier = new Map((before ?? []).map((b) => [b.le, b.count]));
  return after.map((b) => ({ le: b.le, count: Math.max(0, b.count - (earlier.get(b.le) ?? 0)) }));
}
