import { Type, type Static } from 'typebox';
import { ERRORS, type ErrorCode } from '../errors.js';
import type {
  AcceptedTaskMessage,
  DeliveryJob,
  IntakeReply,
  IntakeRequest,
  RunTaskMessage,
  SyncInvokeReply,
  SyncInvokeRequest,
} from '../messages.js';
import {
  DestinationKind,
  ResultCondition,
  type DeadLetterRecord,
  type RedeliveryRequest,
  type ResultRecord,
} from '../result-records.js';
import { sameType } from './same-type.js';

/*
 * The runtime shapes of the messages in messages.ts and result-records.ts (documented there).
 * Unknown fields are allowed, so adding an optional field does not make older consumers drop the
 * message; an incompatible change bumps `v`.
 */

const optionalString = () => Type.Optional(Type.String());

export const AcceptedTaskSchema = Type.Object({
  v: Type.Literal(1),
  taskId: Type.String(),
  tenant: Type.String(),
  functionName: Type.String(),
  requestId: Type.String(),
  payload: Type.String(),
  enqueuedAt: Type.Number(),
  dueAt: Type.Number(),
  traceparent: optionalString(),
  rerunOf: optionalString(),
  qualifier: optionalString(),
  resolvedVersion: optionalString(),
  untracked: Type.Optional(Type.Boolean()),
});
sameType<Static<typeof AcceptedTaskSchema>, AcceptedTaskMessage>(true);

export const RunTaskSchema = Type.Object({
  v: Type.Literal(1),
  taskId: Type.String(),
  tenant: Type.String(),
  functionName: Type.String(),
  requestId: Type.String(),
  payload: Type.String(),
  enqueuedAt: Type.Number(),
  maxRetries: Type.Number(),
  traceparent: optionalString(),
  untracked: Type.Optional(Type.Boolean()),
  resolvedVersion: optionalString(),
  qualifier: optionalString(),
});
sameType<Static<typeof RunTaskSchema>, RunTaskMessage>(true);

/**
 * What the runs stream carries: a run the dispatcher handed over, or a task due at once queued
 * straight to the executors (told apart by its `dueAt`, which runs have not).
 */
export const RunQueueSchema = Type.Union([AcceptedTaskSchema, RunTaskSchema]);

export const SyncInvokeRequestSchema = Type.Object({
  v: Type.Literal(1),
  tenant: Type.String(),
  functionName: Type.String(),
  requestId: Type.String(),
  payload: Type.String(),
  traceparent: optionalString(),
  resolvedVersion: optionalString(),
});
sameType<Static<typeof SyncInvokeRequestSchema>, SyncInvokeRequest>(true);

export const SyncInvokeReplySchema = Type.Union([
  Type.Object({
    ok: Type.Literal(true),
    statusCode: Type.Literal(200),
    payload: Type.String(),
    instanceId: Type.String(),
    durationMs: Type.Number(),
    logs: Type.String(),
  }),
  Type.Object({
    ok: Type.Literal(false),
    statusCode: Type.Number(),
    errorType: Type.String(),
    errorMessage: Type.String(),
    logs: Type.String(),
  }),
]);
sameType<Static<typeof SyncInvokeReplySchema>, SyncInvokeReply>(true);

export const IntakeRequestSchema = Type.Object({
  v: Type.Literal(1),
  tenant: Type.String(),
  functionName: Type.String(),
  taskId: optionalString(),
  requestId: optionalString(),
  payload: Type.String(),
  delaySeconds: Type.Optional(Type.Number()),
  traceparent: optionalString(),
  qualifier: optionalString(),
});
sameType<Static<typeof IntakeRequestSchema>, IntakeRequest>(true);

export const IntakeReplySchema = Type.Union([
  Type.Object({ ok: Type.Literal(true), taskId: Type.String(), requestId: Type.String() }),
  Type.Object({
    ok: Type.Literal(false),
    code: Type.Enum(Object.keys(ERRORS) as ErrorCode[]),
    message: Type.String(),
  }),
]);
sameType<Static<typeof IntakeReplySchema>, IntakeReply>(true);

const ResultRecordSchema = Type.Object({
  timestamp: Type.Number(),
  requestContext: Type.Object({
    requestId: Type.String(),
    functionArn: Type.String(),
    condition: Type.Enum(ResultCondition),
    approximateInvokeCount: Type.Number(),
  }),
  requestPayload: Type.String(),
  responseContext: Type.Object({ statusCode: Type.Number(), functionError: Type.String() }),
  responsePayload: Type.String(),
});
sameType<Static<typeof ResultRecordSchema>, ResultRecord>(true);

/** Which delivery of which task's record to which destination (DeliveryIdentity). */
const deliveryIdentity = {
  v: Type.Literal(1),
  deliveryId: Type.String(),
  tenant: Type.String(),
  functionName: Type.String(),
  taskId: Type.String(),
  kind: Type.Enum(DestinationKind),
  destination: Type.String(),
};

export const DeliveryJobSchema = Type.Object({
  ...deliveryIdentity,
  cloudEvents: Type.Boolean(),
  record: ResultRecordSchema,
  tracked: Type.Boolean(),
  redeliveryOf: optionalString(),
  traceparent: optionalString(),
});
sameType<Static<typeof DeliveryJobSchema>, DeliveryJob>(true);

export const DeadLetterSchema = Type.Object({
  ...deliveryIdentity,
  attempts: Type.Number(),
  error: Type.String(),
  failedAt: Type.Number(),
  record: ResultRecordSchema,
});
sameType<Static<typeof DeadLetterSchema>, DeadLetterRecord>(true);

export const RedeliveryRequestSchema = Type.Object({
  v: Type.Literal(1),
  tenant: Type.String(),
  functionName: Type.String(),
  taskId: Type.String(),
  requestId: Type.String(),
  requestedAt: Type.Number(),
  traceparent: optionalString(),
});
sameType<Static<typeof RedeliveryRequestSchema>, RedeliveryRequest>(true);
