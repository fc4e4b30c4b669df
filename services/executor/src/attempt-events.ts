import type { RunTaskMessage, TaskEvent, TaskEventInput } from '@asyncfn/contracts';
import { untrackedRequest } from '@asyncfn/core';
import type { EventBus } from '@asyncfn/nats';

/**
 * How long TaskStarted waits for the attempt's outcome: the function starts without waiting for the
 * announcement's acknowledgement, and a short attempt's two events leave in one write (the status
 * service records a short task's states in one write anyway). The event keeps the start as its time.
 */
export const STARTED_GRACE_MS = 20;

/** The fields every event of the task carries. */
export interface TaskCommon {
  taskId: string;
  tenant: string;
  functionName: string;
  traceparent?: string;
}

export interface AttemptEvents {
  /** One event of the task; `invokeCount` is the attempts it has made (untracked tasks carry it). */
  publish(input: TaskEventInput, invokeCount?: number, at?: number): Promise<TaskEvent>;
  /** An attempt's TaskStarted and its outcome, in one message. */
  publishStartedWith(outcome: TaskEventInput, invokeCount: number, startedAt?: number): Promise<TaskEvent[]>;
  /**
   * The attempt started at `startedAt`: its TaskStarted goes out after STARTED_GRACE_MS, or with
   * its outcome (`conclude`) if that comes first.
   */
  started(startedAt: number): StartedAttempt;
}

export interface StartedAttempt {
  /** Sends TaskStarted now if it has not gone yet. */
  announce(): Promise<unknown>;
  /** The attempt's outcome: with its TaskStarted in one message if the grace has not sent it. */
  conclude(input: TaskEventInput): Promise<void>;
  /** The attempt is over: no TaskStarted by the timer any more. */
  stopTimer(): void;
}

/**
 * The events of one attempt (`attempt`, the message's delivery count) of `run`. `dequeued`: the
 * task's TaskDequeued when this executor dispatched it itself (a task due at once); it leads the
 * attempt's first message.
 */
export function attemptEvents(
  bus: Pick<EventBus, 'publish' | 'publishTogether'>,
  run: RunTaskMessage,
  attempt: number,
  common: TaskCommon,
  dequeued?: TaskEventInput,
): AttemptEvents {
  // Task mode off: nothing is recorded; events carry what a destination record needs.
  const withRequest = (input: TaskEventInput, invokeCount = attempt): TaskEventInput =>
    run.untracked ? { ...input, untracked: untrackedRequest(run, invokeCount) } : input;
  /** The events in one message, after the task's TaskDequeued if it has not left yet. */
  let pendingDequeued = dequeued;
  const publishAll = async (events: { input: TaskEventInput; at?: number }[]): Promise<TaskEvent[]> => {
    const first = pendingDequeued;
    pendingDequeued = undefined;
    if (!first && events.length === 1) return [await bus.publish(events[0]!.input, events[0]!.at)];
    return bus.publishTogether([...(first ? [{ input: first }] : []), ...events]);
  };
  const publish = async (input: TaskEventInput, invokeCount = attempt, at?: number) =>
    (await publishAll([{ input: withRequest(input, invokeCount), ...(at === undefined ? {} : { at }) }])).at(
      -1,
    )!;
  const publishStartedWith = (outcome: TaskEventInput, invokeCount: number, startedAt?: number) =>
    publishAll([
      {
        input: withRequest({ ...common, attempt: outcome.attempt, type: 'TaskStarted' }, invokeCount),
        ...(startedAt === undefined ? {} : { at: startedAt }),
      },
      { input: withRequest(outcome, invokeCount) },
    ]);

  return {
    publish,
    publishStartedWith,
    started(startedAt) {
      let startedPublished: Promise<unknown> | undefined;
      const announce = () =>
        (startedPublished ??= publish({ ...common, attempt, type: 'TaskStarted' }, attempt, startedAt));
      // Its failure is seen where the outcome is published (conclude), not as an unhandled rejection.
      const timer = setTimeout(() => void announce().catch(() => {}), STARTED_GRACE_MS);
      return {
        announce,
        async conclude(input) {
          if (startedPublished) {
            await Promise.all([startedPublished, publish(input)]);
            return;
          }
          clearTimeout(timer);
          startedPublished = publishStartedWith(input, attempt, startedAt);
          await startedPublished;
        },
        stopTimer: () => clearTimeout(timer),
      };
    },
  };
}
