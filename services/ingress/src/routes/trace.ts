import type { FastifyInstance } from 'fastify';
import { ApiError, parseFunctionName } from '@asyncfn/core';
import type { IngressDeps } from '../deps.js';
import { taskSchemas } from '../openapi/tasks.js';
import { findTask } from '../find-task.js';
import { API } from '../http.js';
import { traceIdOf, traceView } from '../console/trace-view.js';

type TaskParams = { Params: { functionName: string; taskId: string } };

/** Spans of every task are recorded by the status service, so it is where a search finds them. */
const SEARCH_SERVICE = 'asyncfn-status';

/**
 * Extension: a task's trace, fetched from Jaeger's query API: `{traceId, jaegerUrl, startTime,
 * durationMs, services, spans}`. The trace id comes from the task's stored traceparent; a task
 * without one is searched by its `asyncfn.task.id` and `asyncfn.tenant` tags. Spans reach Jaeger a
 * second or so after they end: `spans` may be empty (or short) for a task that just ran.
 */
export async function traceRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  const jaeger = deps.jaegerQueryUrl.replace(/\/+$/, '');
  const get = async (path: string): Promise<{ data?: unknown[] } | undefined> => {
    let res: Response;
    try {
      res = await fetch(`${jaeger}${path}`, { signal: AbortSignal.timeout(5_000) });
    } catch (err) {
      throw new ApiError('ServiceUnavailable', `Jaeger's query API (${jaeger}) did not answer`, {
        cause: err,
      });
    }
    if (res.status === 404) return undefined;
    if (!res.ok) throw new ApiError('ServiceUnavailable', `Jaeger's query API answered ${res.status}`);
    return (await res.json()) as { data?: unknown[] };
  };

  app.get<TaskParams>(
    `${API}/functions/:functionName/async-tasks/:taskId/trace`,
    { schema: taskSchemas.trace },
    async (request) => {
      const name = parseFunctionName(request.params.functionName);
      const { doc } = await findTask(deps, request.tenant, name, request.params.taskId);
      let traceId = traceIdOf(doc.traceparent);
      if (!traceId) {
        const tags = JSON.stringify({ 'asyncfn.task.id': doc.taskId, 'asyncfn.tenant': request.tenant });
        const found = await get(
          `/api/traces?service=${SEARCH_SERVICE}&lookback=168h&limit=1&tags=${encodeURIComponent(tags)}`,
        );
        traceId = (found?.data?.[0] as { traceID?: string } | undefined)?.traceID;
      }
      const empty = { traceId: traceId ?? null, startTime: null, durationMs: 0, services: [], spans: [] };
      if (!traceId) return { ...empty, jaegerUrl: null };
      const jaegerUrl = `${jaeger}/trace/${traceId}`;
      const found = await get(`/api/traces/${traceId}`);
      const trace = found?.data?.[0];
      if (!trace) return { ...empty, jaegerUrl };
      return { ...traceView(trace as Parameters<typeof traceView>[0]), jaegerUrl };
    },
  );
}
