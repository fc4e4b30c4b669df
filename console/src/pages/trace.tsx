import { useEffect, useState } from 'preact/hooks';
import { json, taskPath } from '../api.js';
import { Empty, ErrorBox, Loading } from '../components/common.js';
import { formatDuration } from '../lib/timeline.js';

interface TraceSpan {
  spanId: string;
  service: string;
  operation: string;
  offsetMs: number;
  durationMs: number;
  error: boolean;
  attributes: Record<string, string | number | boolean>;
}
interface Trace {
  traceId: string | null;
  jaegerUrl: string | null;
  durationMs: number;
  services: string[];
  spans: TraceSpan[];
}

/** Spans reach Jaeger a moment after they end: an empty or growing trace is read again, a while. */
const RETRY_MS = 3_000;
const RETRIES = 20;

/** The task's trace as a waterfall, one lane per service, from Jaeger through the API. */
export function TraceWaterfall({ fn, id, ended }: { fn: string; id: string; ended: boolean }) {
  const [trace, setTrace] = useState<Trace>();
  const [error, setError] = useState<unknown>();
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let tries = 0;
    let lastCount = -1;
    const load = async () => {
      try {
        const t = await json<Trace>('GET', `${taskPath(fn, id)}/trace`);
        if (!live) return;
        setTrace(t);
        setError(undefined);
        // Read again while spans are still arriving (or the task is still going).
        const settled = ended && t.spans.length > 0 && t.spans.length === lastCount;
        lastCount = t.spans.length;
        if (!settled && ++tries < RETRIES) timer = setTimeout(load, RETRY_MS);
      } catch (err) {
        if (live) setError(err);
      }
    };
    void load();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [fn, id, ended, round]);

  return (
    <section aria-labelledby="trace-title">
      <h2 id="trace-title">Trace</h2>
      <ErrorBox error={error} />
      {!trace && !error ? <Loading what="Loading the trace" /> : null}
      {trace && trace.spans.length === 0 ? (
        <Empty>No spans in Jaeger yet for this task (they arrive a second or two after they end).</Empty>
      ) : null}
      {trace && trace.spans.length > 0 ? <Waterfall trace={trace} /> : null}
      <p>
        {trace?.jaegerUrl ? (
          <a href={trace.jaegerUrl} target="_blank" rel="noreferrer">
            Open trace {trace.traceId} in Jaeger
          </a>
        ) : null}{' '}
        <button type="button" onClick={() => setRound(round + 1)}>
          Reload trace
        </button>
      </p>
    </section>
  );
}

function Waterfall({ trace }: { trace: Trace }) {
  const total = Math.max(trace.durationMs, 0.001);
  const pct = (ms: number) => `${Math.min(100, (ms / total) * 100)}%`;
  return (
    <div class="waterfall" role="table" aria-label={`Trace waterfall, ${trace.spans.length} spans`}>
      <p class="muted small">
        {trace.spans.length} spans over {formatDuration(trace.durationMs)}, {trace.services.length} services
      </p>
      {trace.services.map((service) => (
        <div class="lane" role="rowgroup" key={service} aria-label={service}>
          <div class="lane-name" role="rowheader">
            {service.replace(/^asyncfn-/, '')}
          </div>
          <div class="lane-spans">
            {trace.spans
              .filter((s) => s.service === service)
              .map((s) => (
                <div class="span-row" role="row" key={s.spanId}>
                  <span class="span-label" role="cell">
                    {s.operation}
                    {s.error ? ' (error)' : ''}
                  </span>
                  <span class="span-track" role="cell">
                    <span
                      class={`span-bar${s.error ? ' span-error' : ''}`}
                      style={{ left: pct(s.offsetMs), width: `max(2px, ${pct(s.durationMs)})` }}
                      title={`${s.operation}: ${formatDuration(s.durationMs)} at +${formatDuration(s.offsetMs)}${Object.entries(
                        s.attributes,
                      )
                        .map(([k, v]) => `\n${k}=${v}`)
                        .join('')}`}
                    />
                  </span>
                  <span class="span-time" role="cell">
                    {formatDuration(s.durationMs)}
                  </span>
                </div>
              ))}
          </div>
        </div>
      ))}
    </div>
  );
}
