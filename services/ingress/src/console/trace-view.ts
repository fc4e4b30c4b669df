/** A span as the console's waterfall draws it: times in ms, the service as its lane. */
export interface TraceSpan {
  spanId: string;
  parentSpanId?: string;
  service: string;
  operation: string;
  /** Epoch ms. */
  startTime: number;
  /** Ms since the trace's first span started. */
  offsetMs: number;
  durationMs: number;
  error: boolean;
  /** The asyncfn.* attributes, plus status codes: what tells the spans of a task apart. */
  attributes: Record<string, string | number | boolean>;
}

export interface TraceView {
  traceId: string;
  startTime: number;
  durationMs: number;
  /** Services in the order their first span started: the waterfall's lanes. */
  services: string[];
  spans: TraceSpan[];
}

/** Jaeger's query API (`/api/traces/{id}`), the parts read here. */
interface JaegerTrace {
  traceID: string;
  spans: {
    spanID: string;
    operationName: string;
    references?: { refType: string; spanID: string }[];
    startTime: number;
    duration: number;
    processID: string;
    tags?: { key: string; value: unknown }[];
  }[];
  processes: Record<string, { serviceName: string }>;
}

const KEPT_TAG =
  /^(asyncfn\.|http\.(request\.)?method$|http\.(response\.)?status_code$|messaging\.destination)/;

/** Jaeger's trace as the console draws it: spans by start time, offsets from the first. */
export function traceView(trace: JaegerTrace): TraceView {
  const spans = [...trace.spans].sort((a, b) => a.startTime - b.startTime);
  const t0 = spans[0]?.startTime ?? 0;
  const end = Math.max(t0, ...spans.map((s) => s.startTime + s.duration));
  const services: string[] = [];
  const view = spans.map((s): TraceSpan => {
    const service = trace.processes[s.processID]?.serviceName ?? 'unknown';
    if (!services.includes(service)) services.push(service);
    const tags = s.tags ?? [];
    const parent = s.references?.find((r) => r.refType === 'CHILD_OF') ?? s.references?.[0];
    const attributes: TraceSpan['attributes'] = {};
    for (const t of tags) {
      if (KEPT_TAG.test(t.key) && ['string', 'number', 'boolean'].includes(typeof t.value))
        attributes[t.key] = t.value as string | number | boolean;
    }
    return {
      spanId: s.spanID,
      ...(parent ? { parentSpanId: parent.spanID } : {}),
      service,
      operation: s.operationName,
      startTime: s.startTime / 1000,
      offsetMs: (s.startTime - t0) / 1000,
      durationMs: s.duration / 1000,
      error: tags.some(
        (t) =>
          (t.key === 'error' && t.value === true) || (t.key === 'otel.status_code' && t.value === 'ERROR'),
      ),
      attributes,
    };
  });
  return {
    traceId: trace.traceID,
    startTime: t0 / 1000,
    durationMs: (end - t0) / 1000,
    services,
    spans: view,
  };
}

/** The trace id in a W3C traceparent (`00-<trace id>-<span id>-<flags>`). */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  const match = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent ?? '');
  return match && !/^0+$/.test(match[1]!) ? match[1] : undefined;
}
