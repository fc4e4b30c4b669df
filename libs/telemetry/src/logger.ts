import { pino, type Logger } from 'pino';
import { trace } from '@opentelemetry/api';

export type { Logger };

/** JSON logs with the active trace and span ids, so a log line leads to its trace. */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    name: `asyncfn-${service}`,
    level,
    base: { service },
    redact: {
      paths: ['*.secret', '*.accessKeySecret', '*.authorization', 'headers.authorization'],
      censor: '[redacted]',
    },
    mixin() {
      const span = trace.getActiveSpan()?.spanContext();
      return span ? { trace_id: span.traceId, span_id: span.spanId } : {};
    },
  });
}
