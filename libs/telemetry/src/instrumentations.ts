import type { IncomingMessage } from 'node:http';
import { trace } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';

/** Names the active HTTP server span by its route ("POST /2023-03-30/functions/:functionName/..."). */
export function nameRequestSpan(method: string, route: string | undefined): void {
  if (!route) return;
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  span.updateName(`${method} ${route}`);
  span.setAttribute('http.route', route);
}

/** Probes and scrapes: polled every few seconds, they would bury the task traces. */
export const UNTRACED_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

const pathOf = (url: string | undefined) => (url ?? '/').split('?')[0] ?? '/';

/**
 * The maintained auto-instrumentations for the packages the services use. They patch modules as
 * they load, so they must be enabled before any service code is imported: see register.ts.
 * NATS has none; libs/nats makes its PRODUCER/CONSUMER spans by hand.
 */
export function createInstrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req: IncomingMessage) => UNTRACED_PATHS.has(pathOf(req.url)),
    }),
    // No span per Fastify hook (@fastify/otel): they cost a fifth of the ingress's tracing CPU on
    // every request, sampled or not, and told nothing the request's span does not (the ingress
    // names that span by its route: nameRequestSpan).
    // The command and its collection only ("insert tasks"): task payloads never land in a span,
    // and the default serializer (every field of every document, as '?') cost ~10 % of a busy
    // service's CPU.
    new MongoDBInstrumentation({
      requireParentSpan: true,
      dbStatementSerializer: (command: Record<string, unknown>) => {
        const name = Object.keys(command)[0] ?? 'command';
        const target = command[name];
        return typeof target === 'string' ? `${name} ${target}` : name;
      },
    }),
    new KafkaJsInstrumentation(),
    // trace_id / span_id on every log line; lines are not shipped over OTLP (Jaeger takes no logs).
    new PinoInstrumentation({ disableLogSending: true }),
  ];
}
