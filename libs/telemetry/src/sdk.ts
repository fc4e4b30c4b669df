import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

export interface Telemetry {
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK for one service: `service.name` = asyncfn-<service>, traces
 * exported over OTLP/HTTP to `otlpEndpoint` (Jaeger locally). W3C trace context is the default
 * propagator, which is what crosses NATS, Kafka and HTTP headers.
 */
export function startTelemetry(service: string, otlpEndpoint: string): Telemetry {
  const sdk = new NodeSDK({
    serviceName: `asyncfn-${service}`,
    traceExporter: new OTLPTraceExporter({ url: `${otlpEndpoint.replace(/\/$/, '')}/v1/traces` }),
    instrumentations: [],
  });
  sdk.start();
  return {
    async shutdown() {
      await sdk.shutdown().catch(() => undefined);
    },
  };
}
