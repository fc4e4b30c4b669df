import { functionArn, taskDocumentId, type AcceptedTaskMessage, type TaskDocument } from '@asyncfn/contracts';
import { ApiError } from '@asyncfn/core';
import type { TaskStore } from '@asyncfn/mongo';
import type { EventBus, TaskQueues } from '@asyncfn/nats';
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
  /** Accepts a task (the 202): recorded, announced, queued. Throws 409 if the id is taken. */
  accept(request: AcceptRequest): Promise<{ taskId: string; dueAt: number }>;
  /**
   * Task mode off (asyncTask=false): queued only, nothing recorded, so it cannot be queried or
   * stopped; duplicates are caught only within JetStream's duplicate window (10 minutes).
   */
  acceptUntracked(request: AcceptRequest): Promise<{ taskId: string; dueAt: number }>;
}

/**
 * The order matters for durability: the task document is inserted first (its unique id is the
 * dedupe claim, for the whole retention period), then TaskEnqueued is published, then the task is
 * queued. If a publish fails the claim is withdrawn and the caller gets a 503 to retry; if this
 * process dies after the insert, the status service's sweeper queues the task.
 */
export function createTaskAcceptor(deps: {
  tasks: TaskStore;
  bus: EventBus;
  queues: TaskQueues;
  retentionSeconds: number;
  logger: Logger;
  clock?: () => number;
}): TaskAcceptor {
  const clock = deps.clock ?? Date.now;
  return {
    async accept(req) {
      const now = clock();
      const dueAt = now + req.delaySeconds * 1000;
      const payload = req.payload.toString('base64');
      const doc: TaskDocument = {
        _id: taskDocumentId(req.tenant, req.taskId),
        tenant: req.tenant,
        taskId: req.taskId,
        functionName: req.functionName,
        functionArn: functionArn(req.tenant, req.functionName),
        requestId: req.requestId,
        status: 'Enqueued',
        attempt: 0,
        version: 0,
        payload,
        startedTime: now,
        dueAt,
        alreadyRetriedTimes: 0,
        invokeCount: 0,
        updatedAt: now,
        expireAt: new Date(now + deps.retentionSeconds * 1000),
        ...(req.traceparent ? { traceparent: req.traceparent } : {}),
        ...(req.rerunOf ? { rerunOf: req.rerunOf } : {}),
      };
      if (!(await deps.tasks.insertAccepted(doc))) {
        throw new ApiError('AsyncTaskAlreadyExists', `async task '${req.taskId}' already exists`);
      }
      const message: AcceptedTaskMessage = {
        v: 1,
        taskId: req.taskId,
        tenant: req.tenant,
        functionName: req.functionName,
        requestId: req.requestId,
        payload,
        enqueuedAt: now,
        dueAt,
        ...(req.traceparent ? { traceparent: req.traceparent } : {}),
        ...(req.rerunOf ? { rerunOf: req.rerunOf } : {}),
      };
      let seq: number;
      try {
        await deps.bus.publish({
          type: 'TaskEnqueued',
          taskId: req.taskId,
          tenant: req.tenant,
          functionName: req.functionName,
          attempt: 0,
          requestId: req.requestId,
          dueAt,
          ...(req.traceparent ? { traceparent: req.traceparent } : {}),
        });
        ({ seq } = await deps.queues.enqueue(message));
      } catch (cause) {
        await deps.tasks
          .deleteUnqueued(doc._id)
          .catch((err: unknown) =>
            deps.logger.error(
              { err, taskId: req.taskId },
              'could not withdraw task; the sweeper will queue it',
            ),
          );
        throw new ApiError(
          'ServiceUnavailable',
          'the task queue is unavailable; retry with the same task id',
          { cause },
        );
      }
      await deps.tasks.markQueued(doc._id, seq);
      return { taskId: req.taskId, dueAt };
    },
    async acceptUntracked(req) {
      const now = clock();
      const dueAt = now + req.delaySeconds * 1000;
      try {
        await deps.queues.enqueue({
          v: 1,
          taskId: req.taskId,
          tenant: req.tenant,
          functionName: req.functionName,
          requestId: req.requestId,
          payload: req.payload.toString('base64'),
          enqueuedAt: now,
          dueAt,
          untracked: true,
          ...(req.traceparent ? { traceparent: req.traceparent } : {}),
        });
      } catch (cause) {
        throw new ApiError('ServiceUnavailable', 'the task queue is unavailable; retry', { cause });
      }
      return { taskId: req.taskId, dueAt };
    },
  };
}
