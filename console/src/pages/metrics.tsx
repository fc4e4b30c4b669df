import { useEffect, useState } from 'preact/hooks';
import { API, get } from '../api.js';
import { Chart } from '../components/chart.js';
import { Empty, ErrorBox, Loading } from '../components/common.js';
import {
  bucketDelta,
  histogramQuantile,
  perSecond,
  totals,
  type Sample,
  type Totals,
} from '../lib/metrics.js';

const READ_EVERY_MS = 5_000;
const KEEP = 120;

interface Point {
  t: number;
  submitted: number;
  succeeded: number;
  failed: number;
  queue: number;
  p50?: number;
  p99?: number;
}

/**
 * The tenant's metrics, from the services' own Prometheus endpoints (read through the API every
 * 5 s while this page is open): rates between reads, queue depth, run-time quantiles per function.
 */
export function MetricsPage() {
  const [points, setPoints] = useState<Point[]>([]);
  const [latest, setLatest] = useState<{ totals: Totals; sources: Record<string, boolean> }>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let previous: { t: number; totals: Totals } | undefined;
    let live = true;
    const read = async () => {
      try {
        const res = await get<{ timestamp: number; samples: Sample[]; sources: Record<string, boolean> }>(
          `${API}/metrics-summary`,
        );
        if (!live) return;
        const now = totals(res.samples);
        setLatest({ totals: now, sources: res.sources });
        setError(undefined);
        if (previous) {
          const dt = (res.timestamp - previous.t) / 1000;
          const all = [...now.runBuckets.values()].flat();
          const before = [...previous.totals.runBuckets.values()].flat();
          const merged = mergeBuckets(bucketDelta(mergeBuckets(before), mergeBuckets(all)));
          const p50 = histogramQuantile(merged, 0.5);
          const p99 = histogramQuantile(merged, 0.99);
          const point: Point = {
            t: res.timestamp / 1000,
            submitted: perSecond(previous.totals.accepted, now.accepted, dt),
            succeeded: perSecond(previous.totals.succeeded, now.succeeded, dt),
            failed: perSecond(previous.totals.failed, now.failed, dt),
            queue: now.queueDepth,
            ...(p50 !== undefined ? { p50: p50 * 1000 } : {}),
            ...(p99 !== undefined ? { p99: p99 * 1000 } : {}),
          };
          setPoints((ps) => [...ps, point].slice(-KEEP));
        }
        previous = { t: res.timestamp, totals: now };
      } catch (err) {
        if (live) setError(err);
      }
    };
    void read();
    const timer = setInterval(read, READ_EVERY_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);

  const col = (f: (p: Point) => number | undefined) => points.map((p) => f(p) ?? null) as number[];
  const times = points.map((p) => p.t);
  const down = Object.entries(latest?.sources ?? {}).filter(([, ok]) => !ok);
  return (
    <section aria-labelledby="metrics-title">
      <h1 id="metrics-title">Metrics</h1>
      <p class="muted small">
        From the services' own /metrics, for your account; read every {READ_EVERY_MS / 1000} s while this page
        is open.
      </p>
      <ErrorBox error={error} />
      {down.length ? (
        <p role="alert" class="warn">
          Not answering: {down.map(([url]) => url).join(', ')}
        </p>
      ) : null}
      {!latest && !error ? <Loading what="Reading metrics" /> : null}
      {latest && points.length === 0 ? <p role="status">Collecting a second reading for rates…</p> : null}
      {points.length > 0 ? (
        <div class="charts">
          <Chart
            title="Tasks per second"
            unit="/s"
            series={['submitted', 'succeeded', 'failed']}
            data={[times, col((p) => p.submitted), col((p) => p.succeeded), col((p) => p.failed)]}
          />
          <Chart title="Queue depth" unit="tasks" series={['queued']} data={[times, col((p) => p.queue)]} />
          <Chart
            title="Run time (Running → end), all functions"
            unit="ms"
            series={['p50', 'p99']}
            data={[times, col((p) => p.p50), col((p) => p.p99)]}
          />
        </div>
      ) : null}
      {latest ? <PerFunction totals={latest.totals} /> : null}
    </section>
  );
}

function mergeBuckets(buckets: { le: number; count: number }[]) {
  const m = new Map<number, number>();
  for (const b of buckets) m.set(b.le, (m.get(b.le) ?? 0) + b.count);
  return [...m].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

function PerFunction({ totals: t }: { totals: Totals }) {
  const rows = [...t.runBuckets].sort(([a], [b]) => a.localeCompare(b));
  const ms = (v: number | undefined) => (v === undefined ? '—' : `${(v * 1000).toFixed(1)} ms`);
  return (
    <>
      <h2>Run time per function (since the services started)</h2>
      {rows.length === 0 ? (
        <Empty>No task has finished yet.</Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Function</th>
                <th scope="col">Finished</th>
                <th scope="col">p50</th>
                <th scope="col">p99</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(([fn, buckets]) => (
                <tr key={fn}>
                  <td>{fn}</td>
                  <td>{buckets.find((b) => b.le === Infinity)?.count ?? 0}</td>
                  <td>{ms(histogramQuantile(buckets, 0.5))}</td>
                  <td>{ms(histogramQuantile(buckets, 0.99))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
