import type { JsMsg } from '@nats-io/jetstream';
import type { FunctionRecord, RunTaskMessage, TaskEventInput, TaskResources } from '@asyncfn/contracts';
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
import type { FunctionSpec, InstancePool, InvokeOutcome } from '@asyncfn/runtime';
import { attemptResult } from './attempt-result.js';
import { traceAttempt } from './attempt-telemetry.js';
import type { CodeProvider } from './code-provider.js';
import { functionSpec } from './function-spec.js';
import type { RetryingTasks } from './retrying-tasks.js';
import type { RunningTasks } from './running-tasks.js';

/** Tells JetStream the attempt is alive, so a long function is not redelivered to another executor. */
const HEARTBEAT_MS = 10_000;

/**
 * How long TaskStarted waits for the attempt's outcome: the function starts without waiting for the
 * announcement's acknowledgement, and a short attempt's two events leave in one write (the status
 * service records a short task's states in one write anyway). The event keeps the start as its time.
 */
export const STARTED_GRACE_MS = 20;

/** Captured output kept per task, all attempts together (oldest dropped first). */
export const TASK_LOG_MAX_BYTES = 256 * 1024;

export class CodeUnavailableError extends Error {
  override readonly name = 'CodeUnavailableError';
}

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
  return async function handleRun(run: RunTaskMessage, msg: JsMsg): Promise<MessageOutcome> {
    const attempt = msg.info.deliveryCount;
    const common = {
      taskId: run.taskId,
      tenant: run.tenant,
      functionName: run.functionName,
      ...(run.traceparent ? { traceparent: run.traceparent } : {}),
    };
    // Task mode off: nothing is recorded; events carry what a destination record needs.
    const withRequest = (input: TaskEventInput, invokeCount = attempt): TaskEventInput =>
      run.untracked
        ? { ...input, untracked: { requestId: run.requestId, payload: run.payload, invokeCount } }
        : input;
    const publish = (input: TaskEventInput, invokeCount = attempt, at?: number) =>
      deps.bus.publish(withRequest(input, invokeCount), at);
    /** An attempt's TaskStarted and its outcome, in one message. */
    const publishStartedWith = (outcome: TaskEventInput, invokeCount: number, startedAt?: number) =>
      deps.bus.publishTogether([
        {
          input: withRequest({ ...common, attempt: outcome.attempt, type: 'TaskStarted' }, invokeCount),
          ...(startedAt === undefined ? {} : { at: startedAt }),
        },
        { input: withRequest(outcome, invokeCount) },
      ]);
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
      let startedPublished: Promise<unknown> | undefined;
      const announceStarted = () =>
        (startedPublished ??= publish({ ...common, attempt, type: 'TaskStarted' }, attempt, startedAt));
      // Its failure is seen where the outcome is published (conclude), not as an unhandled rejection.
      const startedTimer = setTimeout(() => void announceStarted().catch(() => {}), STARTED_GRACE_MS);
      /** The attempt's outcome: with its TaskStarted in one message if the grace has not sent it. */
      const conclude = async (input: TaskEventInput) => {
        if (startedPublished) {
          await Promise.all([startedPublished, publish(input)]);
          return;
        }
        clearTimeout(startedTimer);
        startedPublished = publishStartedWith(input, attempt, startedAt);
        await startedPublished;
      };
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
        clearTimeout(startedTimer);
      });
      const interrupted =
        deps.isShuttingDown?.() &&
        (outcome.kind === 'crashed' || outcome.kind === 'stopped') &&
        !controls.signal.aborted;
      // Logs first: a client that sees the task finished finds its logs. A quiet success has
      // nothing to show and costs no write on the hot path.
      const quiet = outcome.kind === 'succeeded' && outcome.logs === '';
      if (!run.untracked && !quiet)
        await saveLogs(run, fn, attempt, startedAt, outcome, interrupted === true);
      if (interrupted) {
        await announceStarted();
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

  /** Appends the attempt's output to the task's logs; a failure here never fails the attempt. */
  async function saveLogs(
    run: RunTaskMessage,
    fn: FunctionRecord,
    attempt: number,
    startedAt: number,
    outcome: InvokeOutcome,
    interrupted: boolean,
  ): Promise<void> {
    const how = interrupted ? 'interrupted by executor shutdown' : outcome.kind;
    const on = outcome.instanceId ? ` on instance ${outcome.instanceId}` : '';
    const header = `----- attempt ${attempt} of ${fn.functionName}${on}, ${new Date(startedAt).toISOString()}, ${how} in ${outcome.durationMs} ms -----\n`;
    try {
      await deps.logs.append(run.tenant, run.taskId, header, outcome.logs, TASK_LOG_MAX_BYTES, {
        firstAppend: attempt === 1,
      });
    } catch (err) {
      deps.logger.warn({ err, taskId: run.taskId }, 'could not save task logs');
    }
  }
}

/** The task's resource figures from the runtime's outcome (absent where /proc is not). */
function resourcesOf(outcome: InvokeOutcome): TaskResources {
  return {
    durationMs: outcome.durationMs,
    ...(outcome.usage
      ? { peakMemoryMB: outcome.usage.peakMemoryMB, cpuTimeMs: outcome.usage.cpuTimeMs }
      : {}),
  };
}
