import { context, propagation, trace, type Context } from '@opentelemetry/api';
import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  DestinationStatus,
  Messages,
  taskDocumentId,
  type DeadLetterRecord,
  type Names,
} from '@asyncfn/contracts';
import { chainedTaskId } from '@asyncfn/core';
import type { TaskStore } from '@asyncfn/mongo';
import {
  SpanKind,
  createPublisher,
  contextFromTraceparent,
  done,
  headersWithTrace,
  retry,
  withSpan,
  type MessageOutcome,
} from '@asyncfn/nats';
import { metrics, type Logger } from '@asyncfn/telemetry';
import { renderJob, type DeliveryJob } from './delivery-job.js';
import {
  destinationName,
  loggableDestination,
  parseDestinationUri,
  type DestinationTarget,
} from './destination-uri.js';
import { DeliveryError, describeError } from './errors.js';
import { hasAttemptsLeft, retryDelayMs } from './retry-policy.js';
import type { DestinationSettings } from './settings.js';
import type { createFunctionTransport } from './transports/function.js';
import type { createHttpTransport } from './transports/http.js';
import type { createKafkaTransport } from './transports/kafka.js';
import type { createMnsTransport } from './transports/mns.js';
import type { NatsTransport } from './transports/nats.js';

export const DELIVERY_ID_HEADER = 'x-asyncfn-delivery-id';

/** The metrics' destination_type: the URI's scheme (nats, kafka, http, function), unknown if unreadable. */
function destinationType(destination: string): string {
  const scheme = /^([a-z]+):/.exec(destination)?.[1];
  if (scheme === 'https') return 'http';
  return scheme && ['nats', 'kafka', 'http', 'function'].includes(scheme) ? scheme : 'unknown';
}

/**
 * The parent of a delivery span: the active span when it is already in the task's trace (a
 * terminal event's consumer), else the task's own trace (a redelivery asked for over HTTP).
 */
function taskContext(traceparent: string | undefined): Context {
  const active = context.active();
  if (!traceparent) return active;
  const task = contextFromTraceparent(traceparent);
  const taskSpan = trace.getSpanContext(task);
  return !taskSpan || trace.getSpanContext(active)?.traceId === taskSpan.traceId ? active : task;
}

export interface Transports {
  nats: NatsTransport;
  kafka: ReturnType<typeof createKafkaTransport>;
  http: ReturnType<typeof createHttpTransport>;
  fn: ReturnType<typeof createFunctionTransport>;
  mns: ReturnType<typeof createMnsTransport>;
}

const SYSTEM: Record<DestinationTarget['scheme'], string> = {
  nats: 'nats',
  kafka: 'kafka',
  http: 'http',
  function: 'asyncfn',
  mns: 'asyncfn-queue',
};

/**
 * The handler of the deliveries consumer: one attempt per message delivery. A failed attempt is
 * retried by nak(backoff), so nothing waits in this process and JetStream's deliveryCount is the
 * attempt number; when attempts run out (or the destination can never work) the record goes to
 * the dead-letter stream and the task's destinationStatus becomes failed.
 */
export function createDeliveryHandler(deps: {
  names: Names;
  nc: NatsConnection;
  tasks: Pick<TaskStore, 'finishDelivery'>;
  transports: Transports;
  settings: DestinationSettings;
  logger: Logger;
  clock?: () => number;
  /** Called after each successful delivery (metrics, tests). */
  onDelivered?: (job: DeliveryJob, attempt: number) => void;
}) {
  const { names, transports, settings, logger } = deps;
  const clock = deps.clock ?? Date.now;
  const publisher = createPublisher(deps.nc, names);
  const reserved = [`${names.namespace}.`, '$', '_inbox.'];

  async function send(job: DeliveryJob, attempt: number): Promise<void> {
    const target = parseDestinationUri(job.destination, reserved);
    const { body, contentType } = renderJob(job);
    const name = destinationName(target);
    await withSpan(
      target.scheme === 'http' ? 'POST' : `publish ${name}`,
      {
        parent: taskContext(job.traceparent),
        kind: target.scheme === 'http' || target.scheme === 'function' ? SpanKind.CLIENT : SpanKind.PRODUCER,
        attributes: {
          'asyncfn.task.id': job.taskId,
          'asyncfn.function': job.functionName,
          'asyncfn.tenant': job.tenant,
          'asyncfn.delivery.id': job.deliveryId,
          'asyncfn.delivery.attempt': attempt,
          'messaging.system': SYSTEM[target.scheme],
          'messaging.destination.name': name,
          'messaging.operation.type': 'send',
        },
      },
      async () => {
        // The delivery span's context: the record's receiver joins the task's trace.
        const trace: Record<string, string> = {};
        propagation.inject(context.active(), trace);
        const headers = { ...trace, 'content-type': contentType, [DELIVERY_ID_HEADER]: job.deliveryId };
        switch (target.scheme) {
          case 'nats':
            await transports.nats.publish(target.subject, body, headers, job.deliveryId);
            return;
          case 'kafka':
            await transports.kafka.send(target.topic, job.deliveryId, body, headers);
            return;
          case 'http':
            await transports.http.post(target.url, body, headers, settings.secretOf(job.tenant));
            return;
          case 'function':
            await transports.fn.invoke({
              v: 1,
              tenant: job.tenant,
              functionName: target.functionName,
              ...(target.qualifier ? { qualifier: target.qualifier } : {}),
              taskId: chainedTaskId(job.taskId, job.record.requestContext.condition, job.redeliveryOf),
              payload: Buffer.from(body).toString('base64'),
              ...(trace.traceparent ? { traceparent: trace.traceparent } : {}),
            });
            return;
          case 'mns':
            await transports.mns.send(job.tenant, target.queueName, body, headers, job.deliveryId);
            return;
          default: {
            const unknown: never = target;
            throw new Error(`unknown destination ${JSON.stringify(unknown)}`);
          }
        }
      },
    );
  }

  async function deadLetter(job: DeliveryJob, error: string, attempts: number): Promise<void> {
    const letter: DeadLetterRecord = {
      v: 1,
      deliveryId: job.deliveryId,
      tenant: job.tenant,
      functionName: job.functionName,
      taskId: job.taskId,
      kind: job.kind,
      destination: job.destination,
      attempts,
      error,
      failedAt: clock(),
      record: job.record,
    };
    const headers = headersWithTrace();
    headers.set(DELIVERY_ID_HEADER, job.deliveryId);
    await publisher.publish(Messages.deadLetter, letter, { msgID: job.deliveryId, headers });
  }

  return async function handleDelivery(job: DeliveryJob, msg: JsMsg): Promise<MessageOutcome> {
    const attempt = msg.info.deliveryCount;
    const id = taskDocumentId(job.tenant, job.taskId);
    const log = { taskId: job.taskId, tenant: job.tenant, deliveryId: job.deliveryId, attempt };
    const type = destinationType(job.destination);
    try {
      await send(job, attempt);
    } catch (err) {
      const error = err instanceof DeliveryError ? err.message : describeError(err);
      const retryable = !(err instanceof DeliveryError) || err.retryable;
      metrics.destinationFailed(job.tenant, job.functionName, type);
      if (retryable && hasAttemptsLeft(attempt, settings.retry)) {
        const delayMs = retryDelayMs(attempt, settings.retry);
        logger.warn({ ...log, error, delayMs }, 'delivery failed; retrying');
        metrics.destinationRetried(job.tenant, job.functionName, type);
        return retry(delayMs, error);
      }
      await deadLetter(job, error, attempt);
      metrics.deadLettered(job.tenant, job.functionName, type);
      if (job.tracked) await deps.tasks.finishDelivery(id, job.deliveryId, DestinationStatus.Failed);
      logger.error(
        { ...log, error, destination: loggableDestination(job.destination) },
        'delivery failed; dead-lettered',
      );
      return done;
    }
    if (job.tracked) await deps.tasks.finishDelivery(id, job.deliveryId, DestinationStatus.Delivered);
    metrics.destinationDelivered(job.tenant, job.functionName, type, clock() - job.record.timestamp);
    deps.onDelivered?.(job, attempt);
    logger.debug({ ...log, kind: job.kind }, 'record delivered');
    return done;
  };
}
