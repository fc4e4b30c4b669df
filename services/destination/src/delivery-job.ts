import type { DeliveryJob } from '@asyncfn/contracts';
import { CLOUDEVENTS_CONTENT_TYPE, toCloudEvent } from '@asyncfn/core';

/** The bytes sent: the record itself, or the record inside a structured CloudEvent. */
export function renderJob(job: DeliveryJob): { body: string; contentType: string } {
  if (job.cloudEvents) {
    const event = toCloudEvent(job.record, { deliveryId: job.deliveryId, taskId: job.taskId });
    return { body: JSON.stringify(event), contentType: CLOUDEVENTS_CONTENT_TYPE };
  }
  return { body: JSON.stringify(job.record), contentType: 'application/json' };
}

export type { DeliveryJob };
