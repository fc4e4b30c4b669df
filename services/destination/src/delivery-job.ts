import type { DestinationKind, ResultRecord } from '@asyncfn/contracts';
import { CLOUDEVENTS_CONTENT_TYPE, toCloudEvent } from '@asyncfn/core';

/**
 * A record waiting to be delivered, on the deliveries stream (a work queue of this service): the
 * terminal event or redelivery request was resolved into it once the task's state was recorded.
 */
export interface DeliveryJob {
  v: 1;
  /** Dedupe key: <tenant>:<taskId>:<kind>, plus `:redelivery:<requestId>` for a redelivery. */
  deliveryId: string;
  tenant: string;
  functionName: string;
  taskId: string;
  kind: DestinationKind;
  /** The destination URI as configured when the task finished. */
  destination: string;
  cloudEvents: boolean;
  record: ResultRecord;
  /** The task has a document: destinationStatus is recorded on it (not so with asyncTask=false). */
  tracked: boolean;
  /** The API request id of a redelivery. */
  redeliveryOf?: string;
  /** The task's W3C traceparent: delivery spans (and the receiver) join the task's trace. */
  traceparent?: string;
}

/** The bytes sent: the record itself, or the record inside a structured CloudEvent. */
export function renderJob(job: DeliveryJob): { body: string; contentType: string } {
  if (job.cloudEvents) {
    const event = toCloudEvent(job.record, { deliveryId: job.deliveryId, taskId: job.taskId });
    return { body: JSON.stringify(event), contentType: CLOUDEVENTS_CONTENT_TYPE };
  }
  return { body: JSON.stringify(job.record), contentType: 'application/json' };
}
