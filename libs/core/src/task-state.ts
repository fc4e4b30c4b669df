import { isTerminal, type TaskEvent, type TaskStatus } from '@asyncfn/contracts';

/** What the state machine needs to know about a task: its status and current attempt. */
export interface TaskState {
  status: TaskStatus;
  attempt: number;
}

/**
 * Why an event is not applied:
 * - stale: the task is already past it (a duplicate, a late event, or the task is finished):
 *   acknowledge and drop it;
 * - premature: an earlier event of the task has not been applied yet (still in flight on another
 *   consumer): retry it later.
 */
export type RejectionKind = 'stale' | 'premature';

export type Decision =
  { kind: 'accept'; next: TaskState } | { kind: 'reject'; rejection: RejectionKind; reason: string };

const accept = (status: TaskStatus, attempt: number): Decision => ({
  kind: 'accept',
  next: { status, attempt },
});
const stale = (reason: string): Decision => ({ kind: 'reject', rejection: 'stale', reason });
const premature = (reason: string): Decision => ({ kind: 'reject', rejection: 'premature', reason });

/** States from which a stop request is accepted: every non-terminal state except Stopping itself. */
export function canStop(status: TaskStatus): boolean {
  return !isTerminal(status) && status !== 'Stopping';
}

/**
 * The task state machine: given the current state (undefined before the task exists) and an
 * event, accept it with the next state or reject it as stale or premature. Pure: no I/O, no clock.
 */
export function decide(state: TaskState | undefined, event: TaskEvent): Decision {
  if (state === undefined) {
    return event.type === 'TaskEnqueued' ? accept('Enqueued', 0) : premature('task not enqueued yet');
  }
  const { status, attempt } = state;
  if (isTerminal(status)) return stale(`task already ${status}`);

  switch (event.type) {
    case 'TaskEnqueued':
      return stale('task already enqueued');

    case 'TaskDequeued':
      return status === 'Enqueued' ? accept('Dequeued', attempt) : stale(`task already ${status}`);

    case 'TaskExpired':
    case 'TaskInvalidated': {
      const target = event.type === 'TaskExpired' ? 'Expired' : 'Invalid';
      if (status === 'Dequeued' || status === 'Stopping') return accept(target, attempt);
      // The executor invalidates a retry whose function was deleted or whose instance cannot start.
      if (event.type === 'TaskInvalidated' && status === 'Retrying') return accept(target, attempt);
      if (status === 'Enqueued') return premature('task not dequeued yet');
      return stale(`task already ${status}`);
    }

    case 'TaskStarted': {
      if (status === 'Enqueued') return premature('task not dequeued yet');
      if (status === 'Stopping') return stale('a stop was requested');
      if (status === 'Dequeued') return accept('Running', event.attempt);
      // Retrying → Running for the next attempt; Running → Running is a redelivery after a crash.
      if (event.attempt > attempt) return accept('Running', event.attempt);
      return stale(`attempt ${event.attempt} already started`);
    }

    case 'TaskSucceeded':
    case 'TaskFailed': {
      const target = event.type === 'TaskSucceeded' ? 'Succeeded' : 'Failed';
      if (event.attempt < attempt) return stale(`attempt ${event.attempt} was superseded`);
      // A stop that raced with the end of the attempt: the attempt's real outcome wins. Stopping
      // drops the attempt's TaskStarted, so the outcome may be of an attempt it never saw start.
      if (status === 'Stopping') return accept(target, event.attempt);
      if (event.attempt > attempt) return premature(`attempt ${event.attempt} not started yet`);
      if (status === 'Running') return accept(target, attempt);
      if (status === 'Retrying') return stale(`attempt ${attempt} already ended`);
      return premature(`attempt ${event.attempt} not started yet`);
    }

    case 'TaskRetryScheduled': {
      if (event.attempt < attempt) return stale(`attempt ${event.attempt} was superseded`);
      if (status === 'Stopping') return stale('a stop was requested');
      if (event.attempt > attempt) return premature(`attempt ${event.attempt} not started yet`);
      if (status === 'Running') return accept('Retrying', attempt);
      if (status === 'Retrying') return stale(`task is ${status}`);
      return premature(`attempt ${event.attempt} not started yet`);
    }

    case 'TaskStopRequested':
      return canStop(status) ? accept('Stopping', attempt) : stale('stop already requested');

    case 'TaskStopped':
      return status === 'Stopping' ? accept('Stopped', attempt) : premature('stop request not applied yet');

    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

/** Apply an event known to be accepted; throws on a rejected one (a programming error). */
export function evolve(state: TaskState | undefined, event: TaskEvent): TaskState {
  const decision = decide(state, event);
  if (decision.kind === 'reject') {
    throw new Error(`cannot apply ${event.type} to ${state?.status ?? 'nothing'}: ${decision.reason}`);
  }
  return decision.next;
}
