import { isTerminal, type FunctionRecord, type TaskDocument } from '@asyncfn/contracts';
import { ApiError, notFound } from '@asyncfn/core';
import type { IngressDeps } from './deps.js';
import { resolveInvocation } from './invocation-target.js';

/*
 * Stopping and re-running one task: what the single-task routes and bulk operations both do, once.
 */

export type TaskControlDeps = Pick<
  IngressDeps,
  'bus' | 'stops' | 'queues' | 'acceptor' | 'functions' | 'clock'
>;

/**
 * Stops a task (FC's StopAsyncTask): the TaskStopRequested event, then the stop request executors
 * watch. On a task already Stopping only a sooner force deadline changes anything.
 */
export async function stopTask(
  deps: TaskControlDeps,
  doc: TaskDocument,
  options: { forceAfterMs?: number } = {},
): Promise<{ forceAt?: number }> {
  const clock = deps.clock ?? Date.now;
  const name = doc.functionName;
  if (isTerminal(doc.status)) {
    throw new ApiError('AsyncTaskAlreadyFinished', `async task '${doc.taskId}' is already ${doc.status}`);
  }
  const forceAt = options.forceAfterMs === undefined ? undefined : clock() + options.forceAfterMs;
  if (doc.status === 'Stopping' && forceAt !== undefined) {
    // A graceful stop is under way: only bring its deadline forward (executors watch the request).
    const current = await deps.stops.get(doc.tenant, doc.taskId);
    if (current?.forceAt === undefined || forceAt < current.forceAt) {
      await deps.stops.request({
        ...(current ?? { tenant: doc.tenant, taskId: doc.taskId, functionName: name, requestedAt: clock() }),
        forceAt,
      });
    }
  }
  if (doc.status !== 'Stopping') {
    // A task still queued can be taken out of the queue by its stream sequence.
    const queued =
      doc.status === 'Enqueued' ? await deps.queues.queuedAt(doc.tenant, name, doc.taskId) : undefined;
    // The event first, then the request executors watch: Stopping is recorded before Stopped.
    await deps.bus.publish({
      type: 'TaskStopRequested',
      taskId: doc.taskId,
      tenant: doc.tenant,
      functionName: name,
      attempt: doc.attempt,
      ...(queued
        ? { queueSeq: queued.seq, ...(queued.stream === 'runs' ? { queueStream: 'runs' } : {}) }
        : {}),
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
  return forceAt !== undefined ? { forceAt } : {};
}

const RUNNING_PAGE = 100;

/**
 * abortOngoingRequest (UpdateFunction's async config): every Running task of the function is asked
 * to stop, as StopAsyncTask does. A task that finished meanwhile is passed over.
 */
export async function stopRunningTasks(
  deps: TaskControlDeps & Pick<IngressDeps, 'tasks'>,
  fn: FunctionRecord,
): Promise<void> {
  let after: { t: number; id: string } | undefined;
  for (;;) {
    const page = await deps.tasks.list({
      tenant: fn.tenant,
      functionName: fn.functionName,
      status: 'Running',
      limit: RUNNING_PAGE,
      sortOrderByTime: 'asc',
      includePayload: false,
      ...(after ? { after } : {}),
    });
    for (const doc of page) {
      try {
        await stopTask(deps, doc);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 'AsyncTaskAlreadyFinished')) throw err;
      }
    }
    const last = page.at(-1);
    if (page.length < RUNNING_PAGE || !last) return;
    after = { t: last.startedTime, id: last._id };
  }
}

export interface RerunRequest {
  /** The finished task, with its payload. */
  original: TaskDocument;
  taskId: string;
  requestId: string;
  /** Replaces the original payload. */
  payload?: Buffer;
  delaySeconds: number;
  traceparent?: string;
}

/**
 * Runs a finished task again as a new task recording `rerunOf` (FC's console "re-execute").
 * 409 AsyncTaskNotFinished while the original is going, 409 AsyncTaskAlreadyExists if the new id is taken.
 */
export async function rerunTask(
  deps: TaskControlDeps,
  req: RerunRequest,
): Promise<{ taskId: string; dueAt: number }> {
  const { original } = req;
  if (!isTerminal(original.status)) {
    throw new ApiError(
      'AsyncTaskNotFinished',
      `async task '${original.taskId}' is ${original.status}; only a finished task can be re-run`,
    );
  }
  const name = original.functionName;
  const fn = await deps.functions.get(original.tenant, name);
  if (!fn) throw notFound.function(name);
  // Refused while disabled; a re-run runs the version the original ran (its qualifier kept).
  resolveInvocation(fn, undefined);
  const payload = req.payload ?? Buffer.from(original.payload, 'base64');
  return deps.acceptor.accept({
    tenant: original.tenant,
    functionName: name,
    taskId: req.taskId,
    requestId: req.requestId,
    payload,
    delaySeconds: req.delaySeconds,
    rerunOf: original.taskId,
    ...(req.traceparent ? { traceparent: req.traceparent } : {}),
    ...(original.qualifier ? { qualifier: original.qualifier } : {}),
    ...(original.resolvedVersion ? { resolvedVersion: original.resolvedVersion } : {}),
  });
}
