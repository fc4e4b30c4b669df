/*
 * Destinations: the result record pushed to a function's onSuccess / onFailure destination when a
 * task finishes (FC's format, seed 004), and the messages around its delivery.
 */

/** Which of a function's destinations a finished task's record goes to. */
export const DestinationKind = { OnSuccess: 'onSuccess', OnFailure: 'onFailure' } as const;
export type DestinationKind = (typeof DestinationKind)[keyof typeof DestinationKind];

/**
 * TaskDocument.destinationStatus: unset when the function has no destination for the outcome;
 * pending while the record is being delivered (retries included); delivered; failed (all attempts
 * used, the record is in the dead-letter stream).
 */
export const DestinationStatus = { Pending: 'pending', Delivered: 'delivered', Failed: 'failed' } as const;
export type DestinationStatus = (typeof DestinationStatus)[keyof typeof DestinationStatus];

/** Why a record was sent: requestContext.condition, one per terminal state. */
export const ResultCondition = {
  /** Succeeded. */
  Success: 'Success',
  /** Failed after 1 + maxAsyncRetryAttempts attempts (FC's name, seed 004). */
  InvocationError: 'InvocationError',
  /** Expired: waited longer than maxAsyncEventAgeInSeconds, never ran. */
  EventAgeExceeded: 'EventAgeExceeded',
  /** Invalid: could not be run (function gone, instance creation failed). */
  InvalidTask: 'InvalidTask',
  /** Stopped by a StopAsyncTask request. */
  Stopped: 'Stopped',
} as const;
export type ResultCondition = (typeof ResultCondition)[keyof typeof ResultCondition];

/** FC's destination record. */
export interface ResultRecord {
  /** When the task reached its terminal state, epoch ms. */
  timestamp: number;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: ResultCondition;
    /** Attempts started, crash redeliveries included (0 when the function never ran). */
    approximateInvokeCount: number;
  };
  /** The invocation body as UTF-8 text. */
  requestPayload: string;
  responseContext: {
    /** 200 when the function answered (also with an error); otherwise see ResultCondition docs. */
    statusCode: number;
    /** Empty on success; otherwise the condition. */
    functionError: string;
  };
  /** The function's result, or `{"errorMessage": ...}` for every other outcome. */
  responsePayload: string;
}

/** Which delivery of which task's record to which destination: shared by jobs and dead letters. */
export interface DeliveryIdentity {
  v: 1;
  /** Dedupe key: <tenant>:<taskId>:<kind>, plus `:redelivery:<requestId>` for a redelivery. */
  deliveryId: string;
  tenant: string;
  functionName: string;
  taskId: string;
  kind: DestinationKind;
  /** The destination URI as configured when the task finished. */
  destination: string;
}

/** What the dead-letter stream holds for a record whose delivery failed after all attempts. */
export interface DeadLetterRecord extends DeliveryIdentity {
  attempts: number;
  /** The last attempt's error. */
  error: string;
  failedAt: number;
  record: ResultRecord;
}

/** Redelivery of a finished task's record, requested through the API (ingress → destination). */
export interface RedeliveryRequest {
  v: 1;
  tenant: string;
  functionName: string;
  taskId: string;
  /** The API request id; it makes the redelivery a delivery of its own. */
  requestId: string;
  requestedAt: number;
  traceparent?: string;
}
