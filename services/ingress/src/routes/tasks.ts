import type { FastifyInstance } from 'fastify';
import type { TaskDocument } from '@asyncfn/contracts';
import {
  ApiError,
  asyncTaskView,
  decodePageToken,
  encodePageToken,
  enqueuedReasonOf,
  eventDocument,
  notFound,
  parseFunctionName,
  parseQualifier,
  parseListTasksQuery,
} from '@asyncfn/core';
import type { IngressDeps } from '../deps.js';
import { findTask } from '../find-task.js';
import { API, header } from '../http.js';
import { stopTask } from '../task-control.js';
import { taskSchemas as schemas } from '../openapi/tasks.js';

type TaskParams = { Params: { functionName: string; taskId: string } };
type NameParams = { Params: { functionName: string } };

const isCursor = (v: unknown): v is { t: number; id: string } =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as { t: unknown }).t === 'number' &&
  typeof (v as { id: unknown }).id === 'string';

/* The operations, shared by the 3.0 routes below and the FC 2.0 routes (routes/fc2/). */

/**
 * GetAsyncTask: the task with its events; while Enqueued, why it waits and about where it is in
 * the queue (extension). A qualifier given must be the task's own (FC looks the task up under it).
 */
export async function getTaskView(
  deps: IngressDeps,
  tenant: string,
  name: string,
  taskId: string,
  qualifier?: string,
) {
  const { doc, claim } = await findTask(deps, tenant, name, taskId, { withHistory: true });
  if (qualifier !== undefined && parseQualifier(qualifier) !== (doc.qualifier ?? 'LATEST')) {
    throw notFound.task(name, taskId);
  }
  // Not recorded yet: the claim is all its history.
  const events = claim ? [eventDocument(claim, 1, doc.expireAt)] : await deps.tasks.history(doc);
  const view = asyncTaskView(doc, { events, includePayload: true });
  if (doc.status === 'Enqueued') Object.assign(view, await waiting(deps, doc));
  return view;
}

/** While Enqueued: why, and about how many of the function's tasks are ahead (extension). */
async function waiting(deps: IngressDeps, doc: TaskDocument) {
  const clock = deps.clock ?? Date.now;
  const [fn, running, ahead] = await Promise.all([
    deps.directory.get(doc.tenant, doc.functionName),
    deps.leases?.running(doc.tenant, doc.functionName) ?? Promise.resolve(0),
    deps.tasks.countEnqueuedAhead(doc.tenant, doc.functionName, doc.dueAt, doc._id),
  ]);
  return {
    enqueuedReason: enqueuedReasonOf({ dueAt: doc.dueAt, fn, running, now: clock() }),
    queuePosition: ahead + 1,
  };
}

/** StopAsyncTask by id: records Stopping and asks the executors; 409 for a finished task. */
export async function stopTaskById(
  deps: IngressDeps,
  tenant: string,
  name: string,
  taskId: string,
  forceAfterMs: number | undefined,
): Promise<{ taskId: string; forceAt?: number }> {
  const { doc } = await findTask(deps, tenant, name, taskId);
  const { forceAt } = await stopTask(deps, doc, forceAfterMs !== undefined ? { forceAfterMs } : {});
  return { taskId: doc.taskId, ...(forceAt !== undefined ? { forceAt } : {}) };
}

export async function taskRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  app.get<TaskParams & { Querystring: { qualifier?: string } }>(
    `${API}/functions/:functionName/async-tasks/:taskId`,
    { schema: schemas.get },
    async (request) =>
      getTaskView(
        deps,
        request.tenant,
        parseFunctionName(request.params.functionName),
        request.params.taskId,
        request.query.qualifier,
      ),
  );

  app.get<NameParams>(
    `${API}/functions/:functionName/async-tasks`,
    { schema: schemas.list },
    async (request) =>
      listTaskPage(deps, request.tenant, parseFunctionName(request.params.functionName), request.query),
  );

  app.put<TaskParams & { Querystring: { forceAfterMs?: string } }>(
    `${API}/functions/:functionName/async-tasks/:taskId/stop`,
    { schema: schemas.stop },
    async (request, reply) => {
      const name = parseFunctionName(request.params.functionName);
      // Extension: escalate to a kill at this deadline, PreStop or not (query or header).
      const forceAfterMs = parseForceAfterMs(
        request.query.forceAfterMs ?? header(request, 'x-fc-stop-force-after-ms'),
      );
      const { forceAt } = await stopTaskById(deps, request.tenant, name, request.params.taskId, forceAfterMs);
      // As FC: 200 with an empty body (the SDK reads none). Extension: the kill deadline in a header.
      if (forceAt !== undefined) reply.header('x-asyncfn-force-at', String(forceAt));
      return reply.status(200).send();
    },
  );
}

/** One page of ListAsyncTasks, of one function or (functionName undefined) of all the tenant's. */
export async function listTaskPage(
  deps: IngressDeps,
  tenant: string,
  functionName: string | undefined,
  query: unknown,
) {
  const q = parseListTasksQuery(query);
  let after: { t: number; id: string } | undefined;
  if (q.nextToken) {
    after = decodePageToken(q.nextToken, isCursor);
    if (!after) throw new ApiError('InvalidArgument', 'nextToken: not a token this API returned');
  }
  const docs = await deps.tasks.list({
    tenant,
    limit: q.limit + 1,
    sortOrderByTime: q.sortOrderByTime,
    includePayload: q.includePayload,
    ...(functionName !== undefined ? { functionName } : {}),
    ...(q.prefix ? { prefix: q.prefix } : {}),
    ...(q.status ? { status: q.status } : {}),
    ...(q.startedTimeBegin !== undefined ? { startedTimeBegin: q.startedTimeBegin } : {}),
    ...(q.startedTimeEnd !== undefined ? { startedTimeEnd: q.startedTimeEnd } : {}),
    ...(q.qualifier ? { qualifier: parseQualifier(q.qualifier) } : {}),
    ...(after ? { after } : {}),
  });
  const page = docs.slice(0, q.limit);
  const last = page.at(-1);
  return {
    tasks: page.map((doc) => asyncTaskView(doc, { includePayload: q.includePayload })),
    ...(docs.length > q.limit && last
      ? { nextToken: encodePageToken({ t: last.startedTime, id: last._id }) }
      : {}),
  };
}

/** forceAfterMs: 0 (kill at once, no PreStop) up to an hour. */
export function parseForceAfterMs(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 3_600_000) {
    throw new ApiError('InvalidArgument', 'forceAfterMs: an integer number of milliseconds, 0-3600000');
  }
  return n;
}
