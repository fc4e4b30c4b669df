import type { FastifyInstance } from 'fastify';
import { isTerminal, type TaskDocument } from '@asyncfn/contracts';
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

type TaskParams = { Params: { functionName: string; taskId: string } };
type NameParams = { Params: { functionName: string } };

const isCursor = (v: unknown): v is { t: number; id: string } =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as { t: unknown }).t === 'number' &&
  typeof (v as { id: unknown }).id === 'string';

export async function taskRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  const clock = deps.clock ?? Date.now;

  app.get<TaskParams & { Querystring: { qualifier?: string } }>(
    `${API}/functions/:functionName/async-tasks/:taskId`,
    async (request) => {
      const name = parseFunctionName(request.params.functionName);
      const { doc, claim } = await findTask(deps, request.tenant, name, request.params.taskId);
      // A qualifier given names the task's own (FC: the task is looked up under it).
      if (
        request.query.qualifier !== undefined &&
        parseQualifier(request.query.qualifier) !== (doc.qualifier ?? 'LATEST')
      ) {
        throw notFound.task(name, request.params.taskId);
      }
      // Not recorded yet: the claim is all its history.
      const events = claim
        ? [eventDocument(claim, 1, doc.expireAt)]
        : await deps.tasks.history(request.tenant, doc.taskId);
      const view = asyncTaskView(doc, { events, includePayload: true });
      if (doc.status === 'Enqueued') Object.assign(view, await waiting(doc));
      return view;
    },
  );

  /** While Enqueued: why, and about how many of the function's tasks are ahead (extension). */
  async function waiting(doc: TaskDocument) {
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

  app.get<NameParams>(`${API}/functions/:functionName/async-tasks`, async (request) => {
    const name = parseFunctionName(request.params.functionName);
    const q = parseListTasksQuery(request.query);
    let after: { t: number; id: string } | undefined;
    if (q.nextToken) {
      after = decodePageToken(q.nextToken, isCursor);
      if (!after) throw new ApiError('InvalidArgument', 'nextToken: not a token this API returned');
    }
    const docs = await deps.tasks.list({
      tenant: request.tenant,
      functionName: name,
      limit: q.limit + 1,
      sortOrderByTime: q.sortOrderByTime,
      includePayload: q.includePayload,
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
  });

  app.put<TaskParams & { Querystring: { forceAfterMs?: string } }>(
    `${API}/functions/:functionName/async-tasks/:taskId/stop`,
    async (request, reply) => {
      const name = parseFunctionName(request.params.functionName);
      // Extension: escalate to a kill at this deadline, PreStop or not (query or header).
      const forceAfterMs = parseForceAfterMs(
        request.query.forceAfterMs ?? header(request, 'x-fc-stop-force-after-ms'),
      );
      const { doc } = await findTask(deps, request.tenant, name, request.params.taskId);
      if (isTerminal(doc.status)) {
        throw new ApiError('AsyncTaskAlreadyFinished', `async task '${doc.taskId}' is already ${doc.status}`);
      }
      const forceAt = forceAfterMs === undefined ? undefined : clock() + forceAfterMs;
      if (doc.status === 'Stopping' && forceAt !== undefined) {
        // A graceful stop is under way: only bring its deadline forward (executors watch the request).
        const current = await deps.stops.get(doc.tenant, doc.taskId);
        if (current?.forceAt === undefined || forceAt < current.forceAt) {
          await deps.stops.request({
            ...(current ?? {
              tenant: doc.tenant,
              taskId: doc.taskId,
              functionName: name,
              requestedAt: clock(),
            }),
            forceAt,
          });
        }
      }
      if (doc.status !== 'Stopping') {
        // A task still queued can be taken out of the queue by its stream sequence.
        const queueSeq =
          doc.status === 'Enqueued' ? await deps.queues.queuedSeq(doc.tenant, name, doc.taskId) : undefined;
        // The event first, then the request executors watch: Stopping is recorded before Stopped.
        await deps.bus.publish({
          type: 'TaskStopRequested',
          taskId: doc.taskId,
          tenant: doc.tenant,
          functionName: name,
          attempt: doc.attempt,
          ...(queueSeq !== undefined ? { queueSeq } : {}),
          ...(doc.traceparent ? { traceparent: doc.traceparent } : {}),
        });
        await deps.stops.request({
          tenant: doc.tenant,
          taskId: doc.taskId,
          functionName: name,
          requestedAt: clock(),
          ...(forceAt !== undefined ? { forceAt } : {}),
        });
      }
      // As FC: 200 with an empty body (the SDK reads none). Extension: the kill deadline in a header.
      if (forceAt !== undefined) reply.header('x-asyncfn-force-at', String(forceAt));
      return reply.status(200).send();
    },
  );
}

/** forceAfterMs: 0 (kill at once, no PreStop) up to an hour. */
function parseForceAfterMs(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 3_600_000) {
    throw new ApiError('InvalidArgument', 'forceAfterMs: an integer number of milliseconds, 0-3600000');
  }
  return n;
}
