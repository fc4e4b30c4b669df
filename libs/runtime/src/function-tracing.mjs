// The function's own span, in the function's own process (imported by node-shim.mjs). Plain
// JavaScript like the shim: it runs under bare `node`.
//
// Each invocation that arrives with a traceparent (the executor's `attempt <n>` span) runs inside
// a SERVER span of service `asyncfn-function`, child of that attempt; `context.traceparent` is
// rewritten to this span, and the span is the active context while the handler runs, so spans
// the function makes (with @opentelemetry/api, or by propagating context.traceparent) join the
// task's trace. Tracing must never break an invocation: any failure here means "not traced".
//
// The OpenTelemetry SDK is loaded while the instance starts (about 0.1 s of CPU), not on the
// invocation path. A function opts out with OTEL_SDK_DISABLED=true in its env.
import process from 'node:process';

const SERVICE_NAME = 'asyncfn-function';
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

const disabled = process.env.OTEL_SDK_DISABLED === 'true';
let sdk; // Promise<{ api, tracer, provider } | undefined>
let coldStart = true;

async function load() {
  const [api, trace, transformer, resources, contextManager] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/otlp-transformer'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/context-async-hooks'),
  ]);
  const provider = new trace.TracerProvider({
    resource: resources.resourceFromAttributes({
      'service.name': SERVICE_NAME,
      'service.namespace': 'asyncfn',
      'faas.name': process.env.FC_FUNCTION_NAME ?? '',
      'faas.instance': process.env.FC_INSTANCE_ID ?? '',
      'faas.max_memory': Number(process.env.FC_FUNCTION_MEMORY_SIZE ?? 0) * 1024 * 1024,
    }),
    spanProcessors: [
      new trace.BatchSpanProcessor({
        exporter: ipcExporter(transformer.ProtobufTraceSerializer),
        scheduledDelayMillis: 250,
      }),
    ],
  });
  // Global, so the function's own @opentelemetry/api calls reach this provider and see the
  // handler span as active (unless the function registered an SDK of its own first).
  api.context.setGlobalContextManager(new contextManager.AsyncLocalStorageContextManager().enable());
  api.trace.setGlobalTracerProvider(provider);
  return { api, provider, tracer: provider.getTracer('@asyncfn/runtime') };
}

// The spans go to the executor over the IPC channel, as OTLP protobuf, and it posts them to its
// collector (span-relay.ts): a sandboxed instance has no network route to the collector.
function ipcExporter(serializer) {
  return {
    export(spans, done) {
      try {
        const body = serializer.serializeRequest(spans);
        if (body && process.connected) process.send({ type: 'spans', body });
        done({ code: 0 });
      } catch (error) {
        done({ code: 1, error });
      }
    },
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve(),
  };
}

function loaded() {
  if (disabled) return Promise.resolve(undefined);
  sdk ??= load().catch(() => undefined);
  return sdk;
}

/**
 * Loads the SDK; the shim awaits it before it says `ready`, so the instance's start (which has a
 * budget of its own) carries the cost, not the handler's load or an invocation (the function's
 * timeouts). It used to load in the background after `ready`, but on Node.js 22 and later an
 * import runs to its end without yielding: it held up the handler's import and the first
 * invocations for its whole length (20 instances starting at once on 2 busy cores all missed their
 * 3 s timeouts; on Node.js 20 the load interleaved with them).
 */
export async function preloadTracing() {
  await loaded();
}

/**
 * Runs `run` (the handler call) inside the function's span when the invocation is traced.
 * `msg` is the shim's invoke message; `context` the handler's context (its traceparent is
 * replaced by the span's).
 */
export async function traced(msg, context, run) {
  const parent = TRACEPARENT.exec(msg.traceparent ?? '');
  const otel = parent && parent[3] !== '00' ? await loaded() : undefined;
  const first = coldStart;
  coldStart = false;
  if (!otel) return run();
  let span;
  let ctx;
  try {
    const { api, tracer } = otel;
    const parentCtx = api.trace.setSpanContext(api.ROOT_CONTEXT, {
      traceId: parent[1],
      spanId: parent[2],
      traceFlags: parseInt(parent[3], 16),
      isRemote: true,
    });
    const name = process.env.FC_FUNCTION_NAME || 'handler';
    span = tracer.startSpan(
      name,
      {
        kind: api.SpanKind.SERVER,
        attributes: {
          'faas.name': name,
          'faas.trigger': msg.taskId ? 'pubsub' : 'http',
          'faas.invocation_id': msg.requestId,
          'faas.coldstart': first,
          'asyncfn.function': name,
          'asyncfn.tenant': msg.tenant,
          'asyncfn.attempt': msg.attempt,
          ...(msg.taskId ? { 'asyncfn.task.id': msg.taskId } : {}),
        },
      },
      parentCtx,
    );
    const sc = span.spanContext();
    context.traceparent = `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags.toString(16)}`;
    ctx = api.trace.setSpan(parentCtx, span);
  } catch {
    return run();
  }
  const { api, provider } = otel;
  try {
    return await api.context.with(ctx, run);
  } catch (e) {
    span.recordException(e instanceof Error ? e : { message: String(e) });
    span.setStatus({ code: api.SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
    throw e;
  } finally {
    span.end();
    // Export now rather than on the next tick of the batch timer: the instance may be stopped soon.
    provider.forceFlush().catch(() => undefined);
  }
}
