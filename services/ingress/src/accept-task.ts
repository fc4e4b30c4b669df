import { ApiError, buildAcceptedTask } from '@asyncfn/core';
import type { TaskClaims, TaskQueues } from '@asyncfn/nats';
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
  qualifier?: string;
  resolvedVersion?: string;
}

/** EntityTooLarge for an invocation body over its limit (async: a task's payload; sync: a call's). */
export function checkPayloadSize(payload: Buffer, limit: number, kind: 'async' | 'sync'): void {
  if (payload.length > limit) {
    throw new ApiError(
      'EntityTooLarge',
      `payload size exceeds maximum allowed size (${limit} bytes): the ${kind} payload is ${payload.length} bytes`,
    );
  }
}

export interface TaskAcceptor {
  /**
   * Accepts a task (the 202): claimed, then queued. Throws 409 if the id is taken, 413 if the
   * payload is over the async limit.
   */
  accept(request: AcceptRequest): Promise<{ taskId: string; dueAt: number }>;
  /**
   * Task mode off (asyncTask=false): queued only, nothing recorded, so it cannot be queried or
   * stopped; duplicates are caught only within JetStream's duplicate window (10 minutes).
   */
  acceptUntracked(request: AcceptRequest): Promise<{ taskId: string; dueAt: number }>;
  /** accept or acceptUntracked, as the invocation's task mode says (see asyncInvocationTarget). */
  acceptInvocation(tracked: boolean, request: AcceptRequest): Promise<{ taskId: string; dueAt: number }>;
}

/**
 * Accepting is two publishes: the claim (the task's TaskEnqueued event on its own subject, only if
 * that subject is empty: the dedupe, and what the status service records the task from), then the
 * queue message. Once the claim is stored the task is accepted (202): if the queue publish fails,
 * or this process dies before it lands, the status service's sweeper queues the task (same
 * Nats-Msg-Id, so a publish that did land is not repeated).
 */
export function createTaskAcceptor(deps: {
  claims: TaskClaims;
  queues: TaskQueues;
  logger: Logger;
  /** The async payload limit (ASYNCFN_MAX_ASYNC_PAYLOAD_BYTES), checked here for every way in. */
  maxPayloadBytes: number;
  clock?: () => number;
}): TaskAcceptor {
  const clock = deps.clock ?? Date.now;
  const build = (req: AcceptRequest) => {
    checkPayloadSize(req.payload, deps.maxPayloadBytes, 'async');
    return buildAcceptedTask(
      {
        tenant: req.tenant,
        functionName: req.functionName,
        taskId: req.taskId,
        requestId: req.requestId,
        payload: req.payload.toString('base64'),
        delaySeconds: req.delaySeconds,
        ...(req.traceparent ? { traceparent: req.traceparent } : {}),
        ...(req.rerunOf ? { rerunOf: req.rerunOf } : {}),
        // LATEST is the default and is not recorded.
        ...(req.qualifier && req.qualifier !== 'LATEST' ? { qualifier: req.qualifier } : {}),
        ...(req.resolvedVersion && req.resolvedVersion !== 'LATEST'
          ? { resolvedVersion: req.resolvedVersion }
          : {}),
      },
      clock(),
    );
  };
  async function accept(req: AcceptRequest) {
    const { claim, message } = build(req);
    let claimed: boolean;
    try {
      claimed = await deps.claims.claim(claim);
    } catch (cause) {
      throw new ApiError('ServiceUnavailable', 'the task queue is unavailable; retry with the same task id', {
        cause,
      });
    }
    if (!claimed) throw new ApiError('AsyncTaskAlreadyExists', `async task '${req.taskId}' already exists`);
    // The claim is the acceptance: the queue message goes without a PubAck (no round trip, no
    // reply to wake this process); if it is lost, the sweeper queues the task from its claim.
    void deps.queues
      .enqueueUnconfirmed(message)
      .catch((err: unknown) =>
        deps.logger.warn(
          { err, taskId: req.taskId },
          'task claimed but not queued; the sweeper will queue it',
        ),
      );
    return { taskId: req.taskId, dueAt: message.dueAt };
  }
  async function acceptUntracked(req: AcceptRequest) {
    const { message } = build(req);
    try {
      await deps.queues.enqueue({ ...message, untracked: true });
    } catch (cause) {
      throw new ApiError('ServiceUnavailable', 'the task queue is unavailable; retry', { cause });
    }
    return { taskId: req.taskId, dueAt: message.dueAt };
  }
  return {
    accept,
    acceptUntracked,
    acceptInvocation: (tracked, req) => (tracked ? accept(req) : acceptUntracked(req)),
  };
}
