/**
 * A task's trace from Jaeger, as a list of spans in time order:
 *   npx tsx scripts/task-trace.ts <function> <task-id> [--json]
 * The task's own trace is the one in which the status service recorded its states (a rejected
 * resubmission of the same id, 409, is a trace of its own with an ingress span only). Traces
 * reach Jaeger a few seconds after the spans end, so it waits up to 20 s for one to appear.
 * JAEGER_QUERY_URL names Jaeger's query API (default http://127.0.0.1:16686).
 */
import { readSetting } from '@asyncfn/config';

interface Span {
  traceID: string;
  spanID: string;
  operationName: string;
  startTime: number;
  duration: number;
  processID: string;
  tags: { key: string; value: unknown }[];
}
interface Trace {
  traceID: string;
  spans: Span[];
  processes: Record<string, { serviceName: string }>;
}

const args = process.argv.slice(2);
const json = args.includes('--json');
const [functionName, taskId] = args.filter((a) => a !== '--json');
if (!functionName || !taskId) {
  console.error('usage: npx tsx scripts/task-trace.ts <function> <task-id> [--json]');
  process.exit(2);
}
const jaeger = readSetting('JAEGER_QUERY_URL');
/** Spans reach Jaeger in batches (about a second), a busy machine later still. */
const WAIT_MS = 20_000;

const tagOf = (span: Span, key: string) => span.tags.find((t) => t.key === key)?.value;
const serviceOf = (trace: Trace, span: Span) => trace.processes[span.processID]?.serviceName ?? '?';

async function traces(service: string): Promise<Trace[]> {
  const url = new URL('/api/traces', jaeger);
  url.searchParams.set('service', service);
  url.searchParams.set('tags', JSON.stringify({ 'asyncfn.task.id': taskId }));
  url.searchParams.set('lookback', '168h');
  url.searchParams.set('limit', '50');
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  } catch (err) {
    console.error(`task-trace: cannot reach Jaeger at ${jaeger} (${(err as Error).message}); is it running?`);
    process.exit(1);
  }
  if (!res.ok) return [];
  const body = (await res.json()) as { data?: Trace[] | null };
  return body.data ?? [];
}

/** The trace where the status service recorded this function's task, if Jaeger has it yet. */
async function findTaskTrace(): Promise<Trace | undefined> {
  const ofFunction = (trace: Trace) =>
    trace.spans.some(
      (s) => tagOf(s, 'asyncfn.task.id') === taskId && tagOf(s, 'asyncfn.function') === functionName,
    );
  const recorded = (await traces('asyncfn-status')).filter(ofFunction);
  // Several traces (a re-created function's task of the same id, days apart): the newest.
  return recorded.sort(
    (a, b) => Math.max(...b.spans.map((s) => s.startTime)) - Math.max(...a.spans.map((s) => s.startTime)),
  )[0];
}

const deadline = Date.now() + WAIT_MS;
let trace = await findTaskTrace();
while (!trace && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 1_000));
  trace = await findTaskTrace();
}
if (!trace) {
  console.error(
    `task-trace: no trace of task '${taskId}' of function '${functionName}' in Jaeger at ${jaeger} ` +
      '(an unknown task, one older than Jaeger keeps, or telemetry off)',
  );
  process.exit(1);
}

const spans = [...trace.spans].sort((a, b) => a.startTime - b.startTime);
const t0 = spans[0]!.startTime;
if (json) {
  console.log(
    JSON.stringify({
      traceId: trace.traceID,
      spans: spans.map((s) => ({
        service: serviceOf(trace, s),
        operation: s.operationName,
        startMs: (s.startTime - t0) / 1000,
        durationMs: s.duration / 1000,
        status: tagOf(s, 'asyncfn.task.status'),
      })),
    }),
  );
} else {
  console.log(`trace ${trace.traceID} (${jaeger}/trace/${trace.traceID})`);
  for (const s of spans) {
    const status = tagOf(s, 'asyncfn.task.status');
    console.log(
      `${`+${((s.startTime - t0) / 1000).toFixed(1)} ms`.padStart(12)}  ${serviceOf(trace, s).padEnd(20)} ${s.operationName}` +
        `${status ? ` [${String(status)}]` : ''} (${(s.duration / 1000).toFixed(1)} ms)`,
    );
  }
}
