import type { JsMsg } from '@nats-io/jetstream';
import type { RunTaskMessage, TaskEventInput } from '@asyncfn/contracts';
import { functionAtVersion, judgeAttempt, type RetryPolicy } from '@asyncfn/core';
import {
  done,
  retry,
  type EventBus,
  type ConcurrencyLeases,
  type FunctionDirectory,
  type MessageOutcome,
  type StopRequests,
  type TaskLogs,
} from '@asyncfn/nats';
import type { FunctionSpec, InstancePool } from '@asyncfn/runtime';
import { attemptEvents } from './attempt-events.js';
import { saveAttemptLogs } from './attempt-logs.js';
import { attemptResult, resourcesOf } from './attempt-result.js';
import { traceAttempt } from './attempt-telemetry.js';
import { CodeUnavailableError, type CodeProvider } from './code-provider.js';
import { functionSpec } from './function-spec.js';
import type { RetryingTasks } from './retrying-tasks.js';
import type { RunningTasks } from './running-tasks.js';

/** Tells JetStream the attempt is alive, so a long function is not redelivered to another executor. */
const HEARTBEAT_MS = 10_000;

/** The logger subset the handler uses. */
interface Logger {
  warn(obj: object, msg?: string): void;
}

/**
 * Runs one attempt of a task. The attempt number is the message's delivery count, so redeliveries
 * after a crash count as attempts and a task never starts more than 1 + maxRetries times. Retries
 * are the same message negatively acknowledged with the backoff delay.
 */
export function createRunHandler(deps: {
  functions: FunctionDirectory;
  stops: StopRequests;
  bus: EventBus;
  pool: InstancePool;
  code: CodeProvider;
  running: RunningTasks;
  retrying: RetryingTasks;
  logs: TaskLogs;
  retryPolicy: RetryPolicy;
  /** Concurrency limits: the task's slot, taken by the dispatcher, is renewed per attempt and freed at its end. */
  leases?: ConcurrencyLeases;
  logger: Logger;
  /** During shutdown, attempts cut short by it are handed back for another executor. */
  isShuttingDown?: () => boolean;
  clock?: () => number;
}) {
  const clock = deps.clock ?? Date.now;
  /**
   * `dequeued`: the task's TaskDequeued when this executor dispatched it itself (a task due at
   * once); it leaves with the attempt's first event.
   */
  return async function runTask(
    msg: JsMsg,
    run: RunTaskMessage,
    dequeued?: TaskEventInput,
  ): Promise<MessageOutcome> {
    const attempt = msg.info.deliveryCount;
    const common = {
      taskId: run.taskId,
      tenant: run.tenant,
      functionName: run.functionName,
      ...(run.traceparent ? { traceparent: run.traceparent } : {}),
    };
    const { publish, publishStartedWith, started } = attemptEvents(deps.bus, run, attempt, common, dequeued);
    deps.retrying.release(run.tenant, run.taskId);
    // Registered before the stop check, so a stop arriving in between still reaches this attempt.
    const controls = deps.running.register(run.tenant, run.taskId);
    try {
      /** Frees the task's concurrency slot (before the function is looked up for the attempt). */
      const freeSlot = async () => {
        const record = deps.leases && (await deps.functions.get(run.tenant, run.functionName));
        if (record) await deps.leases!.release(record, run.taskId);
      };
      const stop = await deps.stops.get(run.tenant, run.taskId);
      if (stop) {
        await freeSlot();
        // settledAt: the executor that held this retry already reported Stopped.
        if (stop.settledAt === undefined) {
          await publish(
            { ...common, attempt: attempt - 1, type: 'TaskStopped', reason: 'stopped before it ran' },
            attempt - 1,
          );
        }
        return done;
      }
      if (attempt > 1 + run.maxRetries) {
        // Only after crash redeliveries: the previous attempt never reported back.
        await freeSlot();
        const lost = attempt - 1;
        await publishStartedWith(
          {
            ...common,
            attempt: lost,
            type: 'TaskFailed',
            errorType: 'ExecutorLost',
            errorMessage:
              'the executor running this attempt stopped before it finished, and no attempts are left',
            durationMs: 0,
          },
          lost,
        );
        return done;
      }
      const latest = await deps.functions.get(run.tenant, run.functionName);
      // A task runs the version its qualifier resolved to when it was accepted, whatever LATEST is now.
      const fn = latest && functionAtVersion(latest, run.resolvedVersion);
      const releaseSlot = async () => {
        if (latest && deps.leases) await deps.leases.release(latest, run.taskId);
      };
      let spec: FunctionSpec | undefined;
      let invalidReason: string | undefined;
      if (!latest) invalidReason = `function '${run.functionName}' was deleted`;
      else if (!fn)
        invalidReason = `version '${run.resolvedVersion}' of function '${run.functionName}' was deleted`;
      else {
        try {
          spec = functionSpec(fn, await deps.code(fn));
        } catch (err) {
          if (!(err instanceof CodeUnavailableError)) throw err;
          invalidReason = `instance creation failed: ${err.message}`;
        }
      }
      if (!fn || !spec) {
        await releaseSlot();
        await publish(
          { ...common, attempt: attempt - 1, type: 'TaskInvalidated', reason: invalidReason ?? 'unknown' },
          attempt - 1,
        );
        return done;
      }

      // Renews the slot (a retry's lease may have lapsed during its backoff); never holds the attempt back.
      if (deps.leases) await deps.leases.acquire(latest!, run.taskId);
      const startedAt = clock();
      const { announce, conclude, stopTimer } = started(startedAt);
      const heartbeat = setInterval(() => msg.working(), HEARTBEAT_MS);
      // The attempt's own span; the function's process gets its traceparent (attempt-telemetry.ts).
      const outcome = await traceAttempt(run, attempt, (traceparent) =>
        deps.pool.invoke(
          spec,
          {
            requestId: run.requestId,
            taskId: run.taskId,
            attempt,
            payload: Buffer.from(run.payload, 'base64'),
            tenant: run.tenant,
            functionName: run.functionName,
            ...(traceparent ? { traceparent } : {}),
          },
          controls.signal,
          { kill: controls.kill },
        ),
      ).finally(() => {
        clearInterval(heartbeat);
        stopTimer();
      });
      const interrupted =
        deps.isShuttingDown?.() &&
        (outcome.kind === 'crashed' || outcome.kind === 'stopped') &&
        !controls.signal.aborted;
      // Logs first: a client that sees the task finished finds its logs. A quiet success has
      // nothing to show and costs no write on the hot path.
      const quiet = outcome.kind === 'succeeded' && outcome.logs === '';
      if (!run.untracked && !quiet) {
        await saveAttemptLogs(deps, run, fn.functionName, attempt, startedAt, outcome, interrupted === true);
      }
      if (interrupted) {
        await announce();
        return retry(0, 'executor shutting down');
      }
      const instanceId = outcome.instanceId;
      const resources = resourcesOf(outcome);
      const verdict = judgeAttempt(attemptResult(outcome), attempt, run.maxRetries, deps.retryPolicy);
      if (verdict.kind !== 'retry') await releaseSlot();
      switch (verdict.kind) {
        case 'succeed':
          await conclude({
            ...common,
            attempt,
            type: 'TaskSucceeded',
            returnPayload: verdict.result,
            instanceId,
            durationMs: outcome.durationMs,
            resources,
          });
          return done;
        case 'fail':
          await conclude({
            ...common,
            attempt,
            type: 'TaskFailed',
            errorType: verdict.errorType,
            errorMessage: verdict.errorMessage,
            instanceId,
            durationMs: outcome.durationMs,
            resources,
          });
          return done;
        case 'retry': {
          const retryAt = clock() + verdict.delayMs;
          await conclude({
            ...common,
            attempt,
            type: 'TaskRetryScheduled',
            errorType: verdict.errorType,
            errorMessage: verdict.errorMessage,
            retryAt,
          });
          if (!run.untracked) deps.retrying.hold({ ...common, attempt, seq: msg.seq, retryAt });
          return retry(verdict.delayMs, 'retry after a failed attempt');
        }
        case 'stop':
          await conclude({
            ...common,
            attempt,
            type: 'TaskStopped',
            reason: 'stopped while running',
            ...(instanceId ? { instanceId } : {}),
            resources,
          });
          return done;
        default: {
          const unknown: never = verdict;
          throw new Error(`unknown verdict ${JSON.stringify(unknown)}`);
        }
      }
    } finally {
      deps.running.unregister(run.tenant, run.taskId);
    }
  };
}
