import { PrometheusSerializer, type PrometheusExporter } from '@opentelemetry/exporter-prometheus';

/** Prometheus text exposition format. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/*
 * The exporter runs in "preventServerStart" mode: no port of its own. Each service serves the
 * text on its existing port at /metrics (the ingress through Fastify, the others through the
 * health server), so there is one port per service to open, probe and scrape.
 */

let reader: PrometheusExporter | undefined;
const serializer = new PrometheusSerializer();

export function setMetricReader(exporter: PrometheusExporter): void {
  reader = exporter;
}

/** The current metrics as Prometheus text; empty when telemetry was not started. */
export async function renderMetrics(): Promise<string> {
  if (!reader) return '';
  const { resourceMetrics } = await reader.collect();
  return serializer.serialize(resourceMetrics);
}

/** For the health server's extra routes (libs/service). */
export async function metricsRoute(
  path: string,
): Promise<{ status: number; type: string; body: string } | undefined> {
  if (path !== '/metrics') return undefined;
  return { status: 200, type: METRICS_CONTENT_TYPE, body: await renderMetrics() };
}
