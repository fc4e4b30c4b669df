import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { METRICS_CONTENT_TYPE, nameRequestSpan, renderMetrics } from '@asyncfn/telemetry';
import type { IngressDeps } from './deps.js';
import { registerAuth } from './auth.js';
import { registerErrorHandling } from './errors.js';
import { registerOpenApi } from './openapi/document.js';
import { probeSchemas } from './openapi/extensions.js';
import { asyncConfigRoutes } from './routes/async-config.js';
import { bulkOperationRoutes } from './routes/bulk-operations.js';
import { destinationRoutes } from './routes/destinations.js';
import { fc2Routes } from './routes/fc2/index.js';
import { functionRoutes } from './routes/functions.js';
import { instanceRoutes } from './routes/instances.js';
import { invocationRoutes } from './routes/invocations.js';
import { logRoutes } from './routes/logs.js';
import { queueRoutes } from './routes/queues.js';
import { rerunRoutes } from './routes/rerun.js';
import { taskRoutes } from './routes/tasks.js';
import { terminalRoutes } from './routes/terminal.js';
import { triggerRoutes } from './routes/triggers.js';
import { consolePlugin } from './console/plugin.js';
import { metricsSummaryRoutes } from './routes/metrics-summary.js';
import { taskEventRoutes } from './routes/task-events.js';
import { taskOverviewRoutes } from './routes/task-overview.js';
import { traceRoutes } from './routes/trace.js';
import { functionControlRoutes } from './routes/function-controls.js';
import { versionRoutes } from './routes/versions.js';

/** The ingress HTTP API. Built from its dependencies so tests drive it with inject() or a socket. */
export async function buildApp(deps: IngressDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Per-request lines are logged at info; the API logger starts at warn to keep the hot path quiet.
    loggerInstance: deps.logger.child({}, { level: 'warn' }) as FastifyBaseLogger,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // FC paths are case-sensitive and percent-encoded names must reach the validators as sent.
    routerOptions: { ignoreTrailingSlash: true },
  });
  // Every body is kept as raw bytes: the signature covers them, and invocation payloads are opaque.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-fc-request-id', request.id);
    nameRequestSpan(request.method, request.routeOptions.url);
  });
  registerErrorHandling(app);
  await registerOpenApi(app);
  registerAuth(app, {
    accessKeys: deps.accessKeys,
    nonces: deps.nonces,
    clock: deps.clock ?? Date.now,
    ...(deps.console ? { sessions: deps.console.sessions } : {}),
  });
  if (deps.console) await app.register(consolePlugin, deps.console);

  app.get('/healthz', { schema: probeSchemas.healthz }, async () => ({ status: 'ok' }));
  // Prometheus scrapes the API port itself; unauthenticated, like the probes (see auth.ts).
  app.get('/metrics', { schema: probeSchemas.metrics }, async (_request, reply) =>
    reply.type(METRICS_CONTENT_TYPE).send(await renderMetrics()),
  );
  app.get('/readyz', { schema: probeSchemas.readyz }, async (_request, reply) => {
    try {
      await deps.ready();
      return { status: 'ready' };
    } catch (err) {
      return reply.status(503).send({ status: 'not ready', reason: (err as Error).message });
    }
  });
  await app.register(async (api) => {
    await functionRoutes(api, deps);
    await asyncConfigRoutes(api, deps);
    await invocationRoutes(api, deps);
    await taskRoutes(api, deps);
    await destinationRoutes(api, deps);
    await instanceRoutes(api, deps);
    await terminalRoutes(api, deps);
    await logRoutes(api, deps);
    await rerunRoutes(api, deps);
    await triggerRoutes(api, deps);
    await queueRoutes(api, deps);
    await bulkOperationRoutes(api, deps);
    await fc2Routes(api, deps);
    await taskOverviewRoutes(api, deps);
    await taskEventRoutes(api, deps);
    await traceRoutes(api, deps);
    await metricsSummaryRoutes(api, deps);
    await versionRoutes(api, deps);
    await functionControlRoutes(api, deps);
  });
  return app;
}
