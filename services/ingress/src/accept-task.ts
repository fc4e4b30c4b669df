import { ApiError, buildAcceptedTask } from '@asyncfn/core';
import type { TaskStore } from '@asyncfn/mongo';
import type { TaskQueues } from '@asyncfn/nats';
import type { Logger } from '@asyncfn/telemetry';

export interface AcceptRequest {
  tenant: string;
  functionName: string;
  taskId: string;
  requestId: string;
  payload: Buffer;
  delaySeconds: number;
  traceparent?: string;
  rerunOf?: string;
}

export interface TaskAcceptor {
  /** Accepts a task (the 202): recorded Enqueued, then queued. Throws 409 if the id is taken. */
  accept(request: AcceptRequest): Promise<{ taskId: string; dueAt: number }>;
  /**
   * Task mode off (asyncTask=false): queued only, nothing recorded, so it cannot be queried or
   * stopped; duplicates are caught only within JetStream's duplicate window (10 minutes).
   */
  acceptUntracked(request: AcceptRequest): Promise<{ taskId: string; dueAt: number }>;
}

/**
 * The order matters for durability: the task document is inserted first, already Enqueued (its
 * unique id is the dedupe claim, for the whole retention period); then its first history entry
 * and the queue message are written together. If the publish fails the claim is withdrawn and the
 * caller gets a 503 to retry; if this process dies after the insert, the status service's sweeper
 * finishes the job. The queue sequence is recorded after the answer: it only speeds up stopping a
 * queued task, and the sweeper republishes (deduplicated) a task that lacks it.
 */
export function createTaskAcceptor(deps: {
  tasks: TaskStore;
  queues: TaskQueues;
  retentionSeconds: number;
  logger: Logger;
  clock?: () => number;
}): TaskAcceptor {
  const clock = deps.clock ?? Date.now;
  const build = (req: AcceptRequest) =>
    buildAcceptedTask(
      {
        tenant: req.tenant,
        functionName: req.functionName,
        taskId: req.taskId,
        requestId: req.requestId,
        payload: req.payload.toString('base64'),
        delaySeconds: req.delaySeconds,
        ...(req.traceparent ? { traceparent: req.traceparent } : {}),
        ...(req.rerunOf ? { rerunOf: req.rerunOf } : {}),
      },
      clock(),
      deps.retentionSeconds * 1000,
    );
  return {
    async accept(req) {
      const task = build(req);
      if (!(await deps.tasks.insertAccepted(task.doc))) {
        throw new ApiError('AsyncTaskAlreadyExists', `async task '${req.taskId}' already exists`);
      }
      let seq: number;
      try {
        [, { seq }] = await Promise.all([
          deps.tasks.recordHistory(task.enqueued),
          deps.queues.enqueue(task.message),
        ]);
      } catch (cause) {
        await deps.tasks
          .deleteUnqueued(task.doc._id)
          .catch((err: unknown) =>
            deps.logger.error(
              { err, taskId: req.taskId },
              'could not withdraw task; the sweeper will queue it',
            ),
          );
        throw new ApiError(
          'ServiceUnavailable',
          'the task queue is unavailable; retry with the same task id',
          {
            cause,
          },
        );
      }
      deps.tasks
        .markQueued(task.doc._id, seq, task.doc.expireAt)
        .catch((err: unknown) =>
          deps.logger.warn({ err, taskId: req.taskId }, 'queue sequence not recorded'),
        );
      return { taskId: req.taskId, dueAt: task.doc.dueAt };
    },
    async acceptUntracked(req) {
      const { message } = build(req);
      try {
        await deps.queues.enqueue({ ...message, untracked: true });
      } catch (cause) {
        throw new ApiError('ServiceUnavailable', 'the task queue is unavailable; retry', { cause });
      }
      return { taskId: req.taskId, dueAt: message.dueAt };
    },
  };
}
