import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { createInstrumentations } from './instrumentations.js';
import { setMetricReader } from './prometheus.js';
import { readSetting } from '@asyncfn/config';

export interface Telemetry {
  readonly serviceName: string;
  shutdown(): Promise<void>;
}

export const DEFAULT_OTLP_ENDPOINT = readSetting('OTEL_EXPORTER_OTLP_ENDPOINT', {});

// One SDK per process: the preload (register.ts) starts it before anything loads, and runService
// asks again. Kept on globalThis in case this module is ever loaded twice under two URLs.
const STATE = Symbol.for('asyncfn.telemetry');
type Global = typeof globalThis & { [STATE]?: Telemetry };

/** The process's telemetry if it was started. */
export function activeTelemetry(): Telemetry | undefined {
  return (globalThis as Global)[STATE];
}

/**
 * Starts the OpenTelemetry Node SDK for one service: `service.name` = asyncfn-<service>, traces
 * exported over OTLP/HTTP to `otlpEndpoint` (Jaeger locally), metrics kept for Prometheus to
 * scrape at /metrics, and the auto-instrumentations. W3C trace context is the default
 * propagator, which is what crosses NATS, Kafka and HTTP headers.
 *
 * Idempotent: a second call returns the running SDK. Instrumentations only patch modules loaded
 * after this, so services start it from the preload (register.ts), not from main.ts.
 */
export function startTelemetry(service: string, otlpEndpoint: string = DEFAULT_OTLP_ENDPOINT): Telemetry {
  const running = activeTelemetry();
  if (running) return running;
  const serviceName = `asyncfn-${service}`;
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const sdk = new NodeSDK({
    serviceName,
    resource: resourceFromAttributes({ 'service.namespace': 'asyncfn' }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${otlpEndpoint.replace(/\/$/, '')}/v1/traces` }),
        scheduledDelayMillis: readSetting('OTEL_BSP_SCHEDULE_DELAY'),
      }),
    ],
    metricReaders: [prometheus],
    // Logs are JSON lines on stdout; there is no OTLP log backend (Jaeger takes traces only).
    logRecordProcessors: [],
    instrumentations: createInstrumentations(),
  });
  sdk.start();
  setMetricReader(prometheus);
  let stopped: Promise<void> | undefined;
  const telemetry: Telemetry = {
    serviceName,
    shutdown() {
      stopped ??= sdk.shutdown().catch(() => undefined);
      return stopped;
    },
  };
  (globalThis as Global)[STATE] = telemetry;
  return telemetry;
}
