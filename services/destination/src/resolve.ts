import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  DestinationStatus,
  Messages,
  STATUS_AFTER,
  isTerminal,
  taskDocumentId,
  type DestinationKind,
  type Names,
  type RedeliveryRequest,
  type ResultRecord,
  type TaskDocument,
  type TaskEvent,
} from '@asyncfn/contracts';
import {
  asTerminalStatus,
  deliveryId,
  asyncConfigFor,
  configuredBy,
  destinationFor,
  destinationKindOf,
  isTerminalEvent,
  resultRecordOf,
  resultRecordOfTask,
} from '@asyncfn/core';
import type { TaskStore } from '@asyncfn/mongo';
import {
  createPublisher,
  done,
  drop,
  retry,
  type FunctionDirectory,
  type MessageOutcome,
} from '@asyncfn/nats';
import type { Logger } from '@asyncfn/telemetry';
import type { DeliveryJob } from './delivery-job.js';

/** Polls of the task while the status service records the terminal event (ms between reads). */
export const STATUS_WAIT_MS = [0, 10, 20, 40, 80, 160, 320, 640, 1_000, 1_000, 1_000] as const;
const STATUS_LAG_RETRY_MS = 2_000;

/**
 * Turns terminal events (and redelivery requests) into delivery jobs. A tracked task's record is
 * built only once the status service has recorded the terminal state, and only from the terminal
 * event it accepted: a duplicate or late terminal event (a crash redelivery, a stop racing a
 * failure) delivers nothing. Functions without a destination for the outcome cost one cached
 * KV read.
 */
export function createResolver(deps: {
  names: Names;
  nc: NatsConnection;
  functions: FunctionDirectory;
  tasks: Pick<TaskStore, 'get' | 'startDelivery'>;
  logger: Logger;
  statusWaitMs?: readonly number[];
}) {
  const { names, functions, tasks, logger } = deps;
  const publisher = createPublisher(deps.nc, names);
  const waits = deps.statusWaitMs ?? STATUS_WAIT_MS;

  /**
   * The destination of a task's outcome: its qualifier's async config names it (else LATEST's).
   * 'per-qualifier' when the function has qualifier configs and the task's qualifier is not known
   * yet (a tracked task's is in its record, read once its terminal state is recorded). With
   * `endedAt` (a terminal event), none if the config was made after the task ended.
   */
  async function destinationOf(
    tenant: string,
    functionName: string,
    kind: DestinationKind,
    qualifier: string | undefined | 'unknown',
    endedAt?: number,
  ) {
    const fn = await functions.get(tenant, functionName);
    if (!fn) return undefined;
    const perQualifier = Object.keys(fn.qualifierAsyncConfigs ?? {}).length > 0;
    if (qualifier === 'unknown' && perQualifier) return 'per-qualifier' as const;
    const config = asyncConfigFor(fn, qualifier === 'unknown' ? undefined : qualifier);
    if (endedAt !== undefined && !configuredBy(config, endedAt)) return undefined;
    return destinationFor(config, kind);
  }

  /** The task once its status is terminal; undefined if it does not exist; 'lagging' if not yet. */
  async function recordedTask(tenant: string, taskId: string): Promise<TaskDocument | 'lagging' | undefined> {
    let task: TaskDocument | undefined;
    for (const wait of waits) {
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      task = await tasks.get(tenant, taskId);
      if (task && isTerminal(task.status)) return task;
    }
    return task ? 'lagging' : undefined;
  }

  async function enqueue(job: DeliveryJob): Promise<void> {
    await publisher.publish(Messages.deliveryJob, job, { msgID: job.deliveryId });
  }

  const jobOf = (
    base: { tenant: string; functionName: string; taskId: string },
    kind: DestinationKind,
    target: { uri: string; cloudEvents: boolean },
    record: ResultRecord,
    tracked: boolean,
    traceparent: string | undefined,
    redeliveryOf?: string,
  ): DeliveryJob => ({
    v: 1,
    deliveryId: deliveryId(base.tenant, base.taskId, kind, redeliveryOf),
    tenant: base.tenant,
    functionName: base.functionName,
    taskId: base.taskId,
    kind,
    destination: target.uri,
    cloudEvents: target.cloudEvents,
    record,
    tracked,
    ...(redeliveryOf ? { redeliveryOf } : {}),
    ...(traceparent ? { traceparent } : {}),
  });

  async function handleTerminalEvent(event: TaskEvent, msg: JsMsg): Promise<MessageOutcome> {
    if (!isTerminalEvent(event)) return drop(`not a terminal event: ${event.type}`);
    const status = STATUS_AFTER[event.type];
    const kind = destinationKindOf(asTerminalStatus(status)!);
    const log = { taskId: event.taskId, tenant: event.tenant, type: event.type };
    const noDestination = () => {
      logger.debug({ ...log, kind }, 'no destination for the outcome');
      return done;
    };
    if (event.untracked) {
      // asyncTask=false: nothing is recorded about the task, the event is all there is.
      const { qualifier } = event.untracked;
      const target = await destinationOf(event.tenant, event.functionName, kind, qualifier, event.timestamp);
      if (!target || target === 'per-qualifier') return noDestination();
      await enqueue(jobOf(event, kind, target, resultRecordOf(event), false, event.traceparent));
      return done;
    }
    // Functions without a destination cost one cached read, not a read of the task.
    const early = await destinationOf(event.tenant, event.functionName, kind, 'unknown', event.timestamp);
    if (!early) return noDestination();
    const task = await recordedTask(event.tenant, event.taskId);
    if (task === undefined) {
      logger.warn(log, 'terminal event of a task that does not exist; dropped');
      return drop('task not found (past retention?)');
    }
    if (task === 'lagging') {
      logger.debug(log, 'terminal state not recorded yet; retrying');
      return retry(
        STATUS_LAG_RETRY_MS * Math.min(msg.info.deliveryCount, 15),
        'terminal state not recorded yet',
      );
    }
    if (task.status !== status || (task.endTime !== undefined && task.endTime !== event.timestamp)) {
      logger.debug({ ...log, status: task.status }, 'stale terminal event: another one was recorded');
      return done;
    }
    if (
      task.destinationStatus === DestinationStatus.Delivered ||
      task.destinationStatus === DestinationStatus.Failed
    ) {
      // This event was resolved before (redelivered after a crash).
      logger.debug({ ...log, destinationStatus: task.destinationStatus }, 'record already delivered');
      return done;
    }
    const target =
      early === 'per-qualifier'
        ? await destinationOf(event.tenant, event.functionName, kind, task.qualifier, event.timestamp)
        : early;
    if (!target || target === 'per-qualifier') return noDestination();
    const job = jobOf(
      event,
      kind,
      target,
      resultRecordOf(event, task),
      true,
      event.traceparent ?? task.traceparent,
    );
    if (task.destinationStatus !== DestinationStatus.Pending)
      await tasks.startDelivery(task._id, job.deliveryId);
    logger.debug({ ...log, kind }, 'record queued for delivery');
    // Deduplicated by delivery id if this event was resolved before.
    await enqueue(job);
    return done;
  }

  async function handleRedelivery(request: RedeliveryRequest): Promise<MessageOutcome> {
    const task = await tasks.get(request.tenant, request.taskId);
    const status = task && asTerminalStatus(task.status);
    const record = task && resultRecordOfTask(task);
    if (!task || !status || !record) return drop('task not found or not finished');
    const kind = destinationKindOf(status);
    const target = await destinationOf(task.tenant, task.functionName, kind, task.qualifier);
    if (!target || target === 'per-qualifier') return drop(`function has no ${kind} destination`);
    const job = jobOf(task, kind, target, record, true, task.traceparent, request.requestId);
    // The redelivery supersedes a delivery still retrying: only its outcome is recorded.
    await tasks.startDelivery(taskDocumentId(task.tenant, task.taskId), job.deliveryId);
    await enqueue(job);
    logger.info(
      { taskId: task.taskId, tenant: task.tenant, requestId: request.requestId },
      'redelivery queued',
    );
    return done;
  }

  return { handleTerminalEvent, handleRedelivery };
}
