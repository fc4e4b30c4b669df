import { pino, type Logger } from 'pino';
import { trace } from '@opentelemetry/api';

export type { Logger };

/**
 * Credentials never reach a log line: request headers (the ACS3 Authorization header names the
 * AccessKey and carries a signature), AccessKey secrets, and the configured key list.
 */
const REDACT = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'secret',
  '*.secret',
  'accessKeySecret',
  '*.accessKeySecret',
  'accessKeys',
  '*.accessKeys',
];

/**
 * JSON logs with the active trace and span ids, so a log line leads to its trace. The pino
 * auto-instrumentation adds the same keys (and trace_flags) when the preload runs; this mixin
 * keeps them when it does not (tests that build a handler without the preload).
 */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    name: `asyncfn-${service}`,
    level,
    base: { service },
    redact: { paths: REDACT, censor: '[redacted]' },
    mixin() {
      const span = trace.getActiveSpan()?.spanContext();
      return span ? { trace_id: span.traceId, span_id: span.spanId } : {};
    },
  });
}

/** A logger whose lines name the task (trace and span ids come with each line). */
export function taskLogger(
  logger: Logger,
  task: { taskId: string; functionName: string; tenant: string; attempt?: number },
): Logger {
  return logger.child({
    taskId: task.taskId,
    function: task.functionName,
    tenant: task.tenant,
    ...(task.attempt !== undefined ? { attempt: task.attempt } : {}),
  });
}
