import type { FastifyInstance } from 'fastify';
import { renderMetrics } from '@asyncfn/telemetry';
import type { IngressDeps } from '../deps.js';
import { metricsSummarySchema } from '../openapi/extensions.js';
import { API } from '../http.js';
import { parsePrometheusText, tenantSamples } from '../console/prometheus-text.js';

/**
 * Extension (the console's metrics page): the signed-in tenant's asyncfn metrics from every
 * service's own Prometheus endpoint (this ingress, and the URLs of ASYNCFN_METRICS_SOURCES), merged
 * across processes: `{timestamp, samples: [{name, labels, value, type}], sources: {url: ok}}`.
 * Counters are totals since each process started; the page computes rates between two reads. A
 * service that does not answer is reported in `sources` and left out.
 */
export async function metricsSummaryRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  app.get(`${API}/metrics-summary`, { schema: metricsSummarySchema }, async (request) => {
    const read = async (url: string) => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        return res.ok ? parsePrometheusText(await res.text()) : undefined;
      } catch {
        return undefined;
      }
    };
    const remote = await Promise.all(deps.metricsSources.map(read));
    const own = parsePrometheusText(await renderMetrics());
    const sources = Object.fromEntries(deps.metricsSources.map((url, i) => [url, remote[i] !== undefined]));
    return {
      timestamp: (deps.clock ?? Date.now)(),
      samples: tenantSamples([own, ...remote.filter((r) => r !== undefined)], request.tenant),
      sources,
    };
  });
}
