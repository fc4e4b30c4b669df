import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_NAMES, type ServiceName } from '@asyncfn/config';
import { startStack, type Stack } from '../scripts/stack.js';
import {
  $FC,
  createNodeFunction,
  eventually,
  fcClient,
  invokeAsync,
  LOCAL_KEY,
  type FcClient,
} from './harness/api.js';
import { serverUrls, testNames } from './harness/env.js';

/*
 * Observability end to end: the five services as real processes (started with the telemetry
 * preload, as in production) and a real Jaeger. A task must be one trace holding spans of every
 * service and of the function's own process; every attempt is a span of it; a stop is in it;
 * /metrics moves as tasks run; queue depth shows a backlog while no dispatcher runs.
 */

const JAEGER = serverUrls().jaegerQueryUrl;
let stack: Stack;
let client: FcClient;
const startedAt = Date.now();

// The function makes a span of its own with @opentelemetry/api (bundled in its zip, as a user
// would), and returns context.traceparent so the test can check what the function was given.
const TRACED = `
const api = require('@opentelemetry/api');
exports.handler = async (event, context) => {
  await api.trace.getTracer('user-code').startActiveSpan('work', async (span) => {
    await new Promise((r) => setTimeout(r, 5));
    span.end();
  });
  return JSON.stringify({ traceparent: context.traceparent });
};`;
const FLAKY = `exports.handler = async (event, context) => {
  if (context.attempt === 1) throw new Error('first attempt fails');
  return 'ok on attempt ' + context.attempt;
};`;
const SLOW = `exports.handler = (event, context) => new Promise((resolve, reject) => {
  context.signal.addEventListener('abort', () => reject(context.signal.reason));
  setTimeout(() => resolve('too late'), 30000);
});`;
const ECHO = `exports.handler = async (event) => event;`;

/** @opentelemetry/api's CommonJS build, to ship inside a function's zip. */
function bundledOtelApi(): Record<string, string> {
  // main is dist/index.cjs (package.json is not an exported subpath).
  const root = dirname(dirname(createRequire(import.meta.url).resolve('@opentelemetry/api')));
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.cjs') || name === 'package.json')
        files[`node_modules/@opentelemetry/api/${relative(root, path)}`] = readFileSync(path, 'utf8');
    }
  };
  walk(join(root, 'dist'));
  files['node_modules/@opentelemetry/api/package.json'] = readFileSync(join(root, 'package.json'), 'utf8');
  return files;
}

async function createFunction(
  name: string,
  source: string,
  files: Record<string, string> = {},
  retries?: number,
) {
  await createNodeFunction(client, name, source, { timeout: 60 }, files);
  if (retries !== undefined)
    await client.putAsyncInvokeConfig(
      name,
      new $FC.PutAsyncInvokeConfigRequest({
        body: new $FC.PutAsyncInvokeConfigInput({ maxAsyncRetryAttempts: retries }),
      }),
    );
}

async function statusOf(fn: string, taskId: string) {
  return (await client.getAsyncTask(fn, taskId, new $FC.GetAsyncTaskRequest({}))).body!;
}
async function reaches(fn: string, taskId: string, status: string, timeoutMs = 30_000) {
  return eventually(async () => {
    const task = await statusOf(fn, taskId);
    return task.status === status ? task : undefined;
  }, timeoutMs);
}

// --- Jaeger's query API ---------------------------------------------------------------------

interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; traceID: string; spanID: string }[];
  tags: { key: string; value: unknown }[];
  processID: string;
  service: string;
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

const tag = (span: JaegerSpan, key: string) => span.tags.find((t) => t.key === key)?.value;
const parentOf = (span: JaegerSpan) => span.references.find((r) => r.refType === 'CHILD_OF')?.spanID;

/** Traces holding a span of `service` tagged with the task id. */
async function tracesOf(service: string, taskId: string): Promise<JaegerTrace[]> {
  const url = new URL('/api/traces', JAEGER);
  url.searchParams.set('service', service);
  url.searchParams.set('tags', JSON.stringify({ 'asyncfn.task.id': taskId }));
  url.searchParams.set('start', String((startedAt - 60_000) * 1000));
  url.searchParams.set('limit', '20');
  const res = await fetch(url);
  if (!res.ok) return [];
  const body = (await res.json()) as { data: JaegerTrace[] | null };
  return (body.data ?? []).map((t) => ({
    ...t,
    spans: t.spans.map((s) => ({ ...s, service: t.processes[s.processID]?.serviceName ?? '' })),
  }));
}

/** The task's one trace, once `complete` says all the spans it waits for have arrived. */
async function taskTrace(taskId: string, complete: (spans: JaegerSpan[]) => boolean): Promise<JaegerTrace> {
  return eventually(
    async () => {
      const traces = await tracesOf('asyncfn-ingress', taskId);
      const [trace] = traces;
      // Spans arrive from six processes at their own pace: wait until no parent is missing.
      const ids = new Set(trace?.spans.map((s) => s.spanID));
      const whole = trace?.spans.every((s) => parentOf(s) === undefined || ids.has(parentOf(s)!));
      return traces.length === 1 && trace && whole && complete(trace.spans) ? trace : undefined;
    },
    45_000,
    500,
  );
}

// A task due at once is dispatched by the executor that takes it: no dispatcher span.
const OWN_SERVICES = ['ingress', 'executor', 'status'].map((s) => `asyncfn-${s}`);
const servicesIn = (spans: JaegerSpan[]) => new Set(spans.map((s) => s.service));

// --- /metrics ---------------------------------------------------------------------------------

type Samples = Map<string, number>;

async function scrape(service: ServiceName): Promise<Samples> {
  const res = await fetch(`http://127.0.0.1:${stack.ports[service]}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  const samples: Samples = new Map();
  for (const line of (await res.text()).split('\n')) {
    if (!line.startsWith('asyncfn_')) continue;
    const at = line.lastIndexOf(' ');
    // Scope labels are noise here; a series is named by its own labels.
    const series = line
      .slice(0, at)
      .replace(/,?otel_scope_[a-z_]+="[^"]*"/g, '')
      .replace('{,', '{')
      .replace('{}', '');
    samples.set(series, Number(line.slice(at + 1)));
  }
  return samples;
}
const sample = (samples: Samples, series: string) => samples.get(series) ?? 0;

beforeAll(async () => {
  stack = await startStack({
    namespace: testNames('obs').namespace,
    portBase: 19600,
    env: {
      ...serverUrls().env,
      ASYNCFN_RETRY_BASE_MS: '100',
      ASYNCFN_QUEUE_DEPTH_REFRESH_MS: '300',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      LOG_LEVEL: 'debug',
    },
  });
  client = fcClient(stack.ingressUrl);
  await createFunction('traced', TRACED, bundledOtelApi());
  // A destination, so the destination service takes its terminal events (and joins its traces).
  await client.putAsyncInvokeConfig(
    'traced',
    new $FC.PutAsyncInvokeConfigRequest({
      body: new $FC.PutAsyncInvokeConfigInput({
        destinationConfig: new $FC.DestinationConfig({
          onSuccess: new $FC.Destination({ destination: `nats:obs.results.${Date.now()}` }),
        }),
      }),
    }),
  );
  await createFunction('flaky', FLAKY, {}, 2);
  await createFunction('slow', SLOW);
  await createFunction('echo', ECHO);
}, 180_000);

afterAll(async () => {
  await stack?.stopAll();
});

describe('a task in Jaeger', () => {
  it('is one trace with spans of every service and of the function itself', async () => {
    const taskId = `obs-one-${Date.now()}`;
    await invokeAsync(client, 'traced', 'hi', { taskId });
    const task = await reaches('traced', taskId, 'Succeeded');
    const trace = await taskTrace(taskId, (spans) => {
      const services = servicesIn(spans);
      return (
        [...OWN_SERVICES, 'asyncfn-function', 'asyncfn-destination'].every((s) => services.has(s)) &&
        spans.some((s) => s.operationName === 'work') &&
        spans.some((s) => s.service === 'asyncfn-status' && tag(s, 'asyncfn.task.status') === 'Succeeded')
      );
    });
    const { spans } = trace;
    const byId = new Map(spans.map((s) => [s.spanID, s]));

    // Every service tags its spans with the task; a search in any of them finds this one trace.
    for (const service of [...OWN_SERVICES, 'asyncfn-function']) {
      expect(
        spans.some((s) => s.service === service && tag(s, 'asyncfn.task.id') === taskId),
        service,
      ).toBe(true);
      const found = await tracesOf(service, taskId);
      expect(
        found.map((t) => t.traceID),
        service,
      ).toEqual([trace.traceID]);
    }
    // The destination service consumes the terminal event in the same trace, and delivers in it.
    const destination = spans.filter((s) => s.service === 'asyncfn-destination');
    expect(destination.length).toBeGreaterThan(0);
    expect(destination.every((s) => tag(s, 'span.kind') === 'consumer' || parentOf(s) !== undefined)).toBe(
      true,
    );

    // Hops over NATS are PRODUCER → CONSUMER pairs with messaging attributes (the record's
    // delivery to the user's subject apart).
    const producers = spans.filter(
      (s) => tag(s, 'span.kind') === 'producer' && !s.operationName.startsWith('publish obs.results.'),
    );
    expect(producers.length).toBeGreaterThanOrEqual(4);
    for (const p of producers) {
      expect(tag(p, 'messaging.system')).toBe('nats');
      expect(tag(p, 'messaging.operation.type')).toBe('send');
      expect(p.operationName).toMatch(/^send [a-z0-9_]+\.(claims|tasks|runs|events)\.\*\.\*/);
    }
    const consumers = spans.filter((s) => tag(s, 'span.kind') === 'consumer');
    for (const c of consumers.filter((s) => s.service !== 'asyncfn-destination')) {
      expect(tag(c, 'messaging.operation.type')).toBe('process');
      expect(byId.get(parentOf(c) ?? '')?.operationName ?? '', c.operationName).toMatch(/^send /);
    }

    // The states reached, as the status service applied them.
    const applied = spans
      .filter((s) => s.service === 'asyncfn-status' && tag(s, 'span.kind') === 'consumer')
      .map((s) => tag(s, 'asyncfn.task.status'));
    expect(applied).toEqual(expect.arrayContaining(['Dequeued', 'Running', 'Succeeded']));

    // The attempt wraps the invocation; the function's span is its child and is what the
    // function got as context.traceparent; the function's own span is a child of that.
    const attempt = spans.find((s) => s.operationName === 'attempt 1')!;
    expect(attempt.service).toBe('asyncfn-executor');
    expect(tag(attempt, 'asyncfn.attempt')).toBe(1);
    expect(tag(attempt, 'asyncfn.task.status')).toBe('Succeeded');
    expect(tag(attempt, 'asyncfn.function')).toBe('traced');
    expect(tag(attempt, 'asyncfn.tenant')).toBe('default');
    const fnSpan = spans.find((s) => s.service === 'asyncfn-function' && s.operationName === 'traced')!;
    expect(parentOf(fnSpan)).toBe(attempt.spanID);
    expect(tag(fnSpan, 'span.kind')).toBe('server');
    expect(tag(fnSpan, 'faas.name')).toBe('traced');
    expect(tag(fnSpan, 'asyncfn.attempt')).toBe(1);
    const given = (JSON.parse(task.returnPayload!) as { traceparent: string }).traceparent;
    expect(given).toBe(`00-${trace.traceID}-${fnSpan.spanID}-01`);
    const work = spans.find((s) => s.operationName === 'work')!;
    expect(work.service).toBe('asyncfn-function');
    expect(parentOf(work)).toBe(fnSpan.spanID);

    // Everything hangs under the ingress request that submitted the task.
    const roots = spans.filter((s) => !byId.has(parentOf(s) ?? ''));
    expect(roots.map((s) => s.service)).toEqual(['asyncfn-ingress']);
    expect(tag(roots[0]!, 'span.kind')).toBe('server');
    // It is the HTTP request's span, named by its route.
    expect(roots[0]!.operationName).toBe('POST /2023-03-30/functions/:functionName/invocations');
    expect(tag(roots[0]!, 'http.route')).toBe('/2023-03-30/functions/:functionName/invocations');
  });

  it('shows a failed and a retried attempt as their own spans of the same trace', async () => {
    const taskId = `obs-retry-${Date.now()}`;
    await invokeAsync(client, 'flaky', '', { taskId });
    await reaches('flaky', taskId, 'Succeeded');
    const { spans } = await taskTrace(
      taskId,
      (s) =>
        s.filter((x) => x.service === 'asyncfn-function').length === 2 &&
        s.some((x) => x.operationName === 'attempt 2') &&
        s.some((x) => x.service === 'asyncfn-status' && tag(x, 'asyncfn.task.status') === 'Succeeded'),
    );
    const first = spans.find((s) => s.operationName === 'attempt 1')!;
    const second = spans.find((s) => s.operationName === 'attempt 2')!;
    expect(tag(first, 'asyncfn.task.status')).toBe('Retrying');
    expect(tag(first, 'otel.status_code')).toBe('ERROR');
    expect(tag(second, 'asyncfn.task.status')).toBe('Succeeded');
    expect(tag(second, 'asyncfn.attempt')).toBe(2);
    const fnSpans = spans.filter((s) => s.service === 'asyncfn-function');
    expect(fnSpans.map((s) => parentOf(s)).sort()).toEqual([first.spanID, second.spanID].sort());
    expect(fnSpans.find((s) => parentOf(s) === first.spanID)!.tags).toEqual(
      expect.arrayContaining([{ key: 'otel.status_code', type: 'string', value: 'ERROR' }]),
    );
    const applied = spans
      .filter((s) => s.service === 'asyncfn-status')
      .map((s) => tag(s, 'asyncfn.task.status'));
    expect(applied).toEqual(expect.arrayContaining(['Running', 'Retrying', 'Succeeded']));
  });

  it('puts a stop request into the task trace, linked to the request that made it', async () => {
    const taskId = `obs-stop-${Date.now()}`;
    await invokeAsync(client, 'slow', '', { taskId });
    await reaches('slow', taskId, 'Running');
    await client.stopAsyncTask('slow', taskId, new $FC.StopAsyncTaskRequest({}));
    await reaches('slow', taskId, 'Stopped');
    const { spans } = await taskTrace(taskId, (s) =>
      s.some((x) => x.service === 'asyncfn-status' && tag(x, 'asyncfn.task.status') === 'Stopped'),
    );
    const stopSend = spans.find(
      (s) => s.operationName.startsWith('send ') && s.operationName.endsWith('.TaskStopRequested'),
    )!;
    expect(stopSend.service).toBe('asyncfn-ingress');
    expect(tag(stopSend, 'span.kind')).toBe('producer');
    // The stop's HTTP request is a trace of its own; the producer span links to it.
    expect(
      stopSend.references.some((r) => r.refType === 'FOLLOWS_FROM' || r.traceID !== stopSend.traceID),
    ).toBe(true);
    expect(spans.find((s) => s.operationName === 'attempt 1')?.tags).toEqual(
      expect.arrayContaining([{ key: 'asyncfn.task.status', type: 'string', value: 'Stopped' }]),
    );
  });
});

describe('logs', () => {
  it('carry trace and span ids with the task, and never a credential', async () => {
    const taskId = `obs-logs-${Date.now()}`;
    await invokeAsync(client, 'echo', 'x', { taskId });
    await reaches('echo', taskId, 'Succeeded');
    const trace = await taskTrace(taskId, (s) => servicesIn(s).has('asyncfn-status'));
    const lines = (service: ServiceName) =>
      readFileSync(stack.logFile(service), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    // The executor dispatches a task due at once itself: it logs the decision.
    for (const service of ['ingress', 'executor', 'status'] as const) {
      const mine = lines(service).filter((l) => l.taskId === taskId);
      expect(mine.length, service).toBeGreaterThan(0);
      for (const line of mine) {
        expect(line, service).toMatchObject({ function: 'echo', tenant: 'default', trace_id: trace.traceID });
        expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
      }
    }
    // Neither the AccessKey secret nor the signed Authorization header reaches a log or a span.
    const everything = [
      ...SERVICE_NAMES.map((s) => readFileSync(stack.logFile(s), 'utf8')),
      JSON.stringify(trace),
    ].join('\n');
    expect(everything).not.toContain(LOCAL_KEY.accessKeySecret);
    expect(everything).not.toContain('ACS3-HMAC-SHA256 Credential');
  });
});

describe('/metrics', () => {
  it('is served by every service without credentials', async () => {
    for (const service of SERVICE_NAMES) {
      const res = await fetch(`http://127.0.0.1:${stack.ports[service]}/metrics`);
      expect(res.status, service).toBe(200);
    }
  });

  it('moves counters and histograms as tasks run', async () => {
    const fn = '{function="echo",tenant="default"}';
    const before = {
      ingress: await scrape('ingress'),
      dispatcher: await scrape('dispatcher'),
      executor: await scrape('executor'),
      status: await scrape('status'),
    };
    const ids = [1, 2, 3].map((i) => `obs-metrics-${i}-${Date.now()}`);
    for (const taskId of ids) await invokeAsync(client, 'echo', 'm', { taskId });
    for (const taskId of ids) await reaches('echo', taskId, 'Succeeded');
    const after = await eventually(async () => {
      const status = await scrape('status');
      const done = sample(
        status,
        `asyncfn_tasks_finished_total{function="echo",tenant="default",status="Succeeded"}`,
      );
      const was = sample(
        before.status,
        `asyncfn_tasks_finished_total{function="echo",tenant="default",status="Succeeded"}`,
      );
      return done - was >= 3 ? { status } : undefined;
    });
    const ingress = await scrape('ingress');
    const dispatcher = await scrape('dispatcher');
    const executor = await scrape('executor');
    const grew = (b: Samples, a: Samples, series: string) => sample(a, series) - sample(b, series);

    expect(grew(before.ingress, ingress, `asyncfn_tasks_accepted_total${fn}`)).toBe(3);
    // Tasks due at once are dequeued by the executor; the dispatcher dequeues delayed ones.
    expect(grew(before.executor, executor, `asyncfn_queue_event_age_seconds_count${fn}`)).toBe(3);
    expect(grew(before.dispatcher, dispatcher, `asyncfn_queue_event_age_seconds_count${fn}`)).toBe(0);
    expect(grew(before.executor, executor, `asyncfn_task_start_latency_seconds_count${fn}`)).toBe(3);
    expect(
      grew(
        before.executor,
        executor,
        `asyncfn_attempts_total{function="echo",tenant="default",outcome="succeeded"}`,
      ),
    ).toBe(3);
    expect(
      grew(
        before.status,
        after.status,
        `asyncfn_task_run_duration_seconds_count{function="echo",tenant="default",status="Succeeded"}`,
      ),
    ).toBe(3);
    expect(sample(executor, `asyncfn_instances_live${fn}`)).toBeGreaterThanOrEqual(1);
    expect(sample(executor, `asyncfn_instances_cold_starts_total${fn}`)).toBeGreaterThanOrEqual(1);
    // Histogram buckets are cumulative and end in +Inf = count.
    expect(
      sample(
        after.status,
        `asyncfn_task_run_duration_seconds_bucket{function="echo",tenant="default",status="Succeeded",le="+Inf"}`,
      ),
    ).toBe(
      sample(
        after.status,
        `asyncfn_task_run_duration_seconds_count{function="echo",tenant="default",status="Succeeded"}`,
      ),
    );
  });

  it('counts retries', async () => {
    const series = '{function="flaky",tenant="default"}';
    const before = sample(await scrape('status'), `asyncfn_task_retries_total${series}`);
    const taskId = `obs-retries-${Date.now()}`;
    await invokeAsync(client, 'flaky', '', { taskId });
    await reaches('flaky', taskId, 'Succeeded');
    await eventually(async () =>
      sample(await scrape('status'), `asyncfn_task_retries_total${series}`) - before === 1 ? true : undefined,
    );
  });

  it('shows queue depth rising while no executor runs, and falling once one starts', async () => {
    const series = 'asyncfn_queue_depth{function="echo",tenant="default"}';
    // Tasks due at once wait for an executor (they go straight to the executors' queue).
    await stack.stop('executor');
    const ids = [1, 2, 3, 4, 5, 6].map((i) => `obs-depth-${i}-${Date.now()}`);
    for (const taskId of ids) await invokeAsync(client, 'echo', 'q', { taskId });
    // The status service reports the backlog too, so it is visible (and alerts) with no executor.
    await eventually(async () => (sample(await scrape('status'), series) === 6 ? true : undefined), 15_000);
    await stack.start('executor');
    for (const taskId of ids) await reaches('echo', taskId, 'Succeeded');
    await eventually(async () => (sample(await scrape('status'), series) === 0 ? true : undefined), 15_000);
    // The dispatcher reports both queues too (its own refresh, a moment apart from the status's).
    const dispatcher = await eventually(async () => {
      const samples = await scrape('dispatcher');
      return sample(samples, series) === 0 ? samples : undefined;
    }, 15_000);
    expect(dispatcher.get('asyncfn_queue_pending')).toBe(0);
  }, 90_000);
});
