import { ROOT_CONTEXT } from '@opentelemetry/api';
import {
  firingDeadlineMs,
  nextFiring,
  nextFiringAfter,
  parseTimerSchedule,
  timerTriggerEvent,
  triggerTaskIds,
} from '@asyncfn/core';
import { SpanKind } from '@asyncfn/nats';
import { invokeFromTrigger } from './invoke.js';
import type { StartRunner } from './runner.js';

/** setTimeout's limit; longer waits are slept in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * A timer trigger. Every dispatcher replica runs it and submits each firing with the task id
 * `t-<hash(trigger)>-<scheduled epoch second>`: the intake accepts the first and answers the
 * others AsyncTaskAlreadyExists, so a firing runs exactly once however many replicas run. A
 * firing nobody could submit (no replica running, the ingress down past the next firing) is not
 * made up later.
 */
export const startTimerRunner: StartRunner = async (record, deps) => {
  if (record.triggerType !== 'timer') throw new Error(`not a timer trigger: ${record.triggerType}`);
  const config = record.triggerConfig;
  const schedule = parseTimerSchedule(config.cronExpression);
  const anchor = Date.parse(record.lastModifiedTime);
  const abort = new AbortController();
  const inFlight = new Set<Promise<unknown>>();
  let timer: NodeJS.Timeout | undefined;

  const fire = (scheduledAt: number) => {
    // Give up on a firing once the next one is due.
    const giveUp = new AbortController();
    const deadline = setTimeout(
      () => giveUp.abort(),
      firingDeadlineMs(schedule, scheduledAt, anchor, deps.clock()),
    );
    const onStop = () => giveUp.abort();
    abort.signal.addEventListener('abort', onStop);
    const p = invokeFromTrigger(deps, record, {
      taskId: triggerTaskIds.timer(record.triggerId, scheduledAt),
      event: timerTriggerEvent(record.triggerName, scheduledAt, config.payload),
      parent: ROOT_CONTEXT,
      kind: SpanKind.PRODUCER,
      attributes: { 'asyncfn.trigger.scheduled_time': new Date(scheduledAt).toISOString() },
      signal: giveUp.signal,
    })
      .catch((err: unknown) => {
        if (!abort.signal.aborted)
          deps.logger.warn({ err, scheduledAt }, 'timer trigger: firing not submitted');
      })
      .finally(() => {
        clearTimeout(deadline);
        abort.signal.removeEventListener('abort', onStop);
        inFlight.delete(p);
      });
    inFlight.add(p);
  };

  const arm = (after: number) => {
    if (abort.signal.aborted) return;
    const due = nextFiring(schedule, after, anchor);
    const wait = () => {
      const left = due - deps.clock();
      if (left > 0) {
        timer = setTimeout(wait, Math.min(left, MAX_TIMEOUT_MS));
        return;
      }
      fire(due);
      arm(nextFiringAfter(due, deps.clock()));
    };
    wait();
  };
  arm(deps.clock());

  return {
    async stop() {
      abort.abort();
      clearTimeout(timer);
      await Promise.allSettled(inFlight);
    },
  };
};
