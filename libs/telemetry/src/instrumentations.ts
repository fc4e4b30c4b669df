import type { IncomingMessage } from 'node:http';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';

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
    // Fastify's own plugin, attached to every Fastify instance as it is created (diagnostics
    // channel), so the ingress needs no code for it.
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      ignorePaths: (opts: { url: string }) => UNTRACED_PATHS.has(pathOf(opts.url)),
      // Its default span names use the plugin's name, which for an anonymous plugin is its
      // source text; `<hook> <route>` reads better in Jaeger ("handler /2023-03-30/...").
      lifecycleHook: (span, info) =>
        span.updateName(`${info.hookName} ${info.request.routeOptions?.url ?? ''}`.trim()),
    }) as unknown as Instrumentation,
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
