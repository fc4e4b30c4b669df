import type { JsMsg } from '@nats-io/jetstream';
import type { RunTaskMessage } from '@asyncfn/contracts';
import { judgeAttempt, type RetryPolicy } from '@asyncfn/core';
import {
  done,
  drop,
  retry,
  type EventBus,
  type FunctionDirectory,
  type MessageOutcome,
  type StopRequests,
} from '@asyncfn/nats';
import type { InstancePool } from '@asyncfn/runtime';
import type { FunctionRecord } from '@asyncfn/contracts';
import { attemptResult } from './attempt-result.js';
import { functionSpec } from './function-spec.js';
import type { RunningTasks } from './running-tasks.js';

/** Tells JetStream the attempt is alive, so a long function is not redelivered to another executor. */
const HEARTBEAT_MS = 10_000;

export class CodeUnavailableError extends Error {
  override readonly name = 'CodeUnavailableError';
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
  codeDir: (fn: FunctionRecord) => Promise<string>;
  running: RunningTasks;
  retryPolicy: RetryPolicy;
  /** During shutdown, attempts cut short by it are handed back for another executor. */
  isShuttingDown?: () => boolean;
  clock?: () => number;
}) {
  const clock = deps.clock ?? Date.now;
  return async function handleRun(msg: JsMsg): Promise<MessageOutcome> {
    let run: RunTaskMessage;
    try {
      run = msg.json<RunTaskMessage>();
    } catch {
      return drop('unreadable run message');
    }
    const attempt = msg.info.deliveryCount;
    const common = {
      taskId: run.taskId,
      tenant: run.tenant,
      functionName: run.functionName,
      ...(run.traceparent ? { traceparent: run.traceparent } : {}),
    };
    // Registered before the stop check, so a stop arriving in between still reaches this attempt.
    const controller = deps.running.register(run.tenant, run.taskId);
    try {
      if (await deps.stops.isRequested(run.tenant, run.taskId)) {
        await deps.bus.publish({
          ...common,
          attempt: attempt - 1,
          type: 'TaskStopped',
          reason: 'stopped before it ran',
        });
        return done;
      }
      if (attempt > 1 + run.maxRetries) {
        // Only after crash redeliveries: the previous attempt never reported back.
        const lost = attempt - 1;
        await deps.bus.publish({ ...common, attempt: lost, type: 'TaskStarted' });
        await deps.bus.publish({
          ...common,
          attempt: lost,
          type: 'TaskFailed',
          errorType: 'ExecutorLost',
          errorMessage:
            'the executor running this attempt stopped before it finished, and no attempts are left',
          durationMs: 0,
        });
        return done;
      }
      const fn = await deps.functions.get(run.tenant, run.functionName);
      let codeDir: string | undefined;
      let invalidReason: string | undefined;
      if (!fn) invalidReason = `function '${run.functionName}' was deleted`;
      else {
        try {
          codeDir = await deps.codeDir(fn);
        } catch (err) {
          if (!(err instanceof CodeUnavailableError)) throw err;
          invalidReason = `instance creation failed: ${err.message}`;
        }
      }
      if (!fn || !codeDir) {
        await deps.bus.publish({
          ...common,
          attempt: attempt - 1,
          type: 'TaskInvalidated',
          reason: invalidReason ?? 'unknown',
        });
        return done;
      }

      await deps.bus.publish({ ...common, attempt, type: 'TaskStarted' });
      const heartbeat = setInterval(() => msg.working(), HEARTBEAT_MS);
      const outcome = await deps.pool
        .invoke(
          functionSpec(fn, codeDir),
          {
            requestId: run.requestId,
            taskId: run.taskId,
            attempt,
            payload: Buffer.from(run.payload, 'base64'),
            tenant: run.tenant,
            functionName: run.functionName,
            ...(run.traceparent ? { traceparent: run.traceparent } : {}),
          },
          controller.signal,
        )
        .finally(() => clearInterval(heartbeat));
      if (
        deps.isShuttingDown?.() &&
        (outcome.kind === 'crashed' || outcome.kind === 'stopped') &&
        !controller.signal.aborted
      ) {
        return retry(0, 'executor shutting down');
      }
      const instanceId = outcome.instanceId;
      const verdict = judgeAttempt(attemptResult(outcome), attempt, run.maxRetries, deps.retryPolicy);
      switch (verdict.kind) {
        case 'succeed':
          await deps.bus.publish({
            ...common,
            attempt,
            type: 'TaskSucceeded',
            returnPayload: verdict.result,
            instanceId,
            durationMs: outcome.durationMs,
          });
          return done;
        case 'fail':
          await deps.bus.publish({
            ...common,
            attempt,
            type: 'TaskFailed',
            errorType: verdict.errorType,
            errorMessage: verdict.errorMessage,
            instanceId,
            durationMs: outcome.durationMs,
          });
          return done;
        case 'retry':
          await deps.bus.publish({
            ...common,
            attempt,
            type: 'TaskRetryScheduled',
            errorType: verdict.errorType,
            errorMessage: verdict.errorMessage,
            retryAt: clock() + verdict.delayMs,
          });
          return retry(verdict.delayMs, 'retry after a failed attempt');
        case 'stop':
          await deps.bus.publish({
            ...common,
            attempt,
            type: 'TaskStopped',
            reason: 'stopped while running',
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
