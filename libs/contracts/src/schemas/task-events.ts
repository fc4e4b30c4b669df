import { Type, type Static, type TProperties } from 'typebox';
import {
  Source,
  TASK_EVENT_SCHEMA_VERSION,
  type TaskEventType,
  type TaskEvent,
  type TaskResources,
  type UntrackedRequest,
} from '../events.js';
import { sameType } from './same-type.js';

/*
 * The runtime shape of a task event (events.ts documents each field). Unknown fields are allowed,
 * so a producer that adds an optional field does not get its messages dropped by older consumers;
 * an incompatible change bumps `v`.
 */

const Untracked = Type.Object({
  requestId: Type.String(),
  payload: Type.String(),
  invokeCount: Type.Number(),
  qualifier: Type.Optional(Type.String()),
});
sameType<Static<typeof Untracked>, UntrackedRequest>(true);

const Resources = Type.Object({
  durationMs: Type.Number(),
  peakMemoryMB: Type.Optional(Type.Number()),
  cpuTimeMs: Type.Optional(Type.Number()),
});
sameType<Static<typeof Resources>, TaskResources>(true);

/** The fields every event has, `earlier` aside (the events it carries have none of their own). */
const baseFields = {
  v: Type.Literal(TASK_EVENT_SCHEMA_VERSION),
  eventId: Type.String(),
  taskId: Type.String(),
  tenant: Type.String(),
  functionName: Type.String(),
  attempt: Type.Number(),
  timestamp: Type.Number(),
  source: Type.Union([
    Type.Literal(Source.Ingress),
    Type.Literal(Source.Dispatcher),
    Type.Literal(Source.Executor),
    Type.Literal(Source.Status),
    Type.Literal(Source.Destination),
  ]),
  traceparent: Type.Optional(Type.String()),
  untracked: Type.Optional(Untracked),
};

/** Each event type's own fields; `type` is the discriminator. */
const ownFields = {
  TaskEnqueued: {
    requestId: Type.String(),
    dueAt: Type.Number(),
    payload: Type.String(),
    rerunOf: Type.Optional(Type.String()),
    qualifier: Type.Optional(Type.String()),
    resolvedVersion: Type.Optional(Type.String()),
  },
  TaskDequeued: {},
  TaskExpired: { ageSeconds: Type.Number(), maxAgeSeconds: Type.Number() },
  TaskInvalidated: { reason: Type.String() },
  TaskStarted: { instanceId: Type.Optional(Type.String()) },
  TaskSucceeded: {
    returnPayload: Type.String(),
    instanceId: Type.Optional(Type.String()),
    durationMs: Type.Number(),
    resources: Type.Optional(Resources),
  },
  TaskFailed: {
    errorType: Type.String(),
    errorMessage: Type.String(),
    instanceId: Type.Optional(Type.String()),
    durationMs: Type.Number(),
    resources: Type.Optional(Resources),
  },
  TaskRetryScheduled: { errorType: Type.String(), errorMessage: Type.String(), retryAt: Type.Number() },
  TaskStopRequested: {
    queueSeq: Type.Optional(Type.Number()),
    queueStream: Type.Optional(Type.Union([Type.Literal('tasks'), Type.Literal('runs')])),
  },
  TaskStopped: {
    reason: Type.String(),
    instanceId: Type.Optional(Type.String()),
    resources: Type.Optional(Resources),
  },
} satisfies Record<TaskEventType, TProperties>;

/** Events carried in another's `earlier` (they carry none of their own). */
const CarriedEvent = Type.Union([
  Type.Object({ type: Type.Literal('TaskEnqueued'), ...baseFields, ...ownFields.TaskEnqueued }),
  Type.Object({ type: Type.Literal('TaskDequeued'), ...baseFields, ...ownFields.TaskDequeued }),
  Type.Object({ type: Type.Literal('TaskExpired'), ...baseFields, ...ownFields.TaskExpired }),
  Type.Object({ type: Type.Literal('TaskInvalidated'), ...baseFields, ...ownFields.TaskInvalidated }),
  Type.Object({ type: Type.Literal('TaskStarted'), ...baseFields, ...ownFields.TaskStarted }),
  Type.Object({ type: Type.Literal('TaskSucceeded'), ...baseFields, ...ownFields.TaskSucceeded }),
  Type.Object({ type: Type.Literal('TaskFailed'), ...baseFields, ...ownFields.TaskFailed }),
  Type.Object({ type: Type.Literal('TaskRetryScheduled'), ...baseFields, ...ownFields.TaskRetryScheduled }),
  Type.Object({ type: Type.Literal('TaskStopRequested'), ...baseFields, ...ownFields.TaskStopRequested }),
  Type.Object({ type: Type.Literal('TaskStopped'), ...baseFields, ...ownFields.TaskStopped }),
]);
const earlier = Type.Optional(Type.Array(CarriedEvent));

/**
 * One schema per event type, keyed by `type`: a message is checked against its own type's schema
 * only (one check instead of trying ten, and a reason that names the field at fault).
 */
export const TaskEventSchemas = {
  TaskEnqueued: Type.Object({
    type: Type.Literal('TaskEnqueued'),
    ...baseFields,
    ...ownFields.TaskEnqueued,
    earlier,
  }),
  TaskDequeued: Type.Object({
    type: Type.Literal('TaskDequeued'),
    ...baseFields,
    ...ownFields.TaskDequeued,
    earlier,
  }),
  TaskExpired: Type.Object({
    type: Type.Literal('TaskExpired'),
    ...baseFields,
    ...ownFields.TaskExpired,
    earlier,
  }),
  TaskInvalidated: Type.Object({
    type: Type.Literal('TaskInvalidated'),
    ...baseFields,
    ...ownFields.TaskInvalidated,
    earlier,
  }),
  TaskStarted: Type.Object({
    type: Type.Literal('TaskStarted'),
    ...baseFields,
    ...ownFields.TaskStarted,
    earlier,
  }),
  TaskSucceeded: Type.Object({
    type: Type.Literal('TaskSucceeded'),
    ...baseFields,
    ...ownFields.TaskSucceeded,
    earlier,
  }),
  TaskFailed: Type.Object({
    type: Type.Literal('TaskFailed'),
    ...baseFields,
    ...ownFields.TaskFailed,
    earlier,
  }),
  TaskRetryScheduled: Type.Object({
    type: Type.Literal('TaskRetryScheduled'),
    ...baseFields,
    ...ownFields.TaskRetryScheduled,
    earlier,
  }),
  TaskStopRequested: Type.Object({
    type: Type.Literal('TaskStopRequested'),
    ...baseFields,
    ...ownFields.TaskStopRequested,
    earlier,
  }),
  TaskStopped: Type.Object({
    type: Type.Literal('TaskStopped'),
    ...baseFields,
    ...ownFields.TaskStopped,
    earlier,
  }),
};

const S = TaskEventSchemas;
/** Any task event (for a JSON Schema document; decoding picks the schema by `type`). */
export const TaskEventSchema = Type.Union([
  S.TaskEnqueued,
  S.TaskDequeued,
  S.TaskExpired,
  S.TaskInvalidated,
  S.TaskStarted,
  S.TaskSucceeded,
  S.TaskFailed,
  S.TaskRetryScheduled,
  S.TaskStopRequested,
  S.TaskStopped,
]);
sameType<
  { [K in TaskEventType]: Static<(typeof TaskEventSchemas)[K]> },
  { [K in TaskEventType]: Extract<TaskEvent, { type: K }> }
>(true);
