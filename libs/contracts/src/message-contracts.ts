import type { TSchema } from 'typebox';
import type { TaskEnqueued, TaskEvent, TaskStopRequested } from './events.js';
import type {
  AcceptedTaskMessage,
  DeliveryJob,
  IntakeReply,
  IntakeRequest,
  RunQueueMessage,
  RunTaskMessage,
  SyncInvokeReply,
  SyncInvokeRequest,
} from './messages.js';
import type { Names } from './names.js';
import type { DeadLetterRecord, RedeliveryRequest } from './result-records.js';
import {
  AcceptedTaskSchema,
  DeadLetterSchema,
  DeliveryJobSchema,
  IntakeReplySchema,
  IntakeRequestSchema,
  RedeliveryRequestSchema,
  RunQueueSchema,
  RunTaskSchema,
  SyncInvokeReplySchema,
  SyncInvokeRequestSchema,
} from './schemas/messages.js';
import { TaskEventSchema, TaskEventSchemas } from './schemas/task-events.js';

/**
 * What a message on a subject is: its type, its runtime shape and where it goes. Publishers and
 * consumers name the contract, libs/nats encodes, decodes and validates by it (compiled once), and
 * a handler only ever sees a value that passed. To move a message to another subject, change its
 * `subject` here (and the stream layout in libs/nats topology.ts); nothing else names it.
 */
export interface MessageContract<T> {
  /** Names the message in logs and in the reason a message is dropped for. */
  readonly name: string;
  /** The `v` this build reads and writes; a message of another version is dropped as such. */
  readonly version?: number;
  /** The runtime shape (TypeBox: JSON Schema with a static type; kept equal to T by a type check). */
  readonly schema: TSchema;
  /**
   * When the shape depends on a field (a task event's `type`): the schema per value of that field,
   * so one message is checked against its own shape only.
   */
  readonly variants?: { readonly field: string; readonly schemas: Readonly<Record<string, TSchema>> };
  /** The subject a value is published on (absent: a reply, sent to the requester's inbox). */
  readonly subject?: (names: Names, value: T) => string;
  /** Type-level only: ties the contract to T. */
  readonly __type?: T;
}

/** A core NATS request whose answer has a contract of its own. */
export interface RequestContract<Req, Rep> extends MessageContract<Req> {
  readonly reply: MessageContract<Rep>;
}

const contract = <T>(c: MessageContract<T>): MessageContract<T> => c;
const requestContract = <Req, Rep>(c: RequestContract<Req, Rep>): RequestContract<Req, Rep> => c;

/** Every message of the task path, by what it is. */
export const Messages = {
  /**
   * An accepted task on the tasks stream (ingress → dispatcher: a delayed task; executor →
   * dispatcher: a task it may not start yet).
   */
  acceptedTask: contract<AcceptedTaskMessage>({
    name: 'AcceptedTaskMessage',
    version: 1,
    schema: AcceptedTaskSchema,
    subject: (names, task) => names.subjects.task(task.tenant, task.functionName, task.taskId),
  }),
  /** An accepted task due at once, queued straight to the executors (runs stream, its own subject). */
  directTask: contract<AcceptedTaskMessage>({
    name: 'AcceptedTaskMessage (due at once)',
    version: 1,
    schema: AcceptedTaskSchema,
    subject: (names, task) => names.subjects.directRun(task.tenant, task.functionName, task.taskId),
  }),
  /** What the executors take off the runs stream: a handed-over run or a task due at once. */
  runQueue: contract<RunQueueMessage>({
    name: 'RunQueueMessage',
    version: 1,
    schema: RunQueueSchema,
  }),
  /** A task's claim: its TaskEnqueued event on a subject of its own (claims stream). */
  taskClaim: contract<TaskEnqueued>({
    name: 'TaskClaim',
    version: 1,
    schema: TaskEventSchemas.TaskEnqueued,
    subject: (names, event) => names.subjects.claim(event.tenant, event.taskId),
  }),
  /** Any task event (events stream; the status service also reads claims with it). */
  taskEvent: contract<TaskEvent>({
    name: 'TaskEvent',
    version: 1,
    schema: TaskEventSchema,
    variants: { field: 'type', schemas: TaskEventSchemas },
    subject: (names, event) => names.subjects.event(event.tenant, event.functionName, event.type),
  }),
  /** A stop request as the dispatcher's stop consumer takes it (events stream, that type only). */
  taskStopRequested: contract<TaskStopRequested>({
    name: 'TaskStopRequested',
    version: 1,
    schema: TaskEventSchemas.TaskStopRequested,
    subject: (names, event) => names.subjects.event(event.tenant, event.functionName, event.type),
  }),
  /** A task handed to the executors (runs stream). */
  runTask: contract<RunTaskMessage>({
    name: 'RunTaskMessage',
    version: 1,
    schema: RunTaskSchema,
    subject: (names, run) => names.subjects.run(run.tenant, run.functionName),
  }),
  /** A result record to deliver (deliveries stream). */
  deliveryJob: contract<DeliveryJob>({
    name: 'DeliveryJob',
    version: 1,
    schema: DeliveryJobSchema,
    subject: (names, job) => names.subjects.delivery(job.tenant, job.functionName),
  }),
  /** A record whose delivery failed after all attempts (dead-letter stream). */
  deadLetter: contract<DeadLetterRecord>({
    name: 'DeadLetterRecord',
    version: 1,
    schema: DeadLetterSchema,
    subject: (names, letter) => names.subjects.deadLetter(letter.tenant, letter.functionName),
  }),
  /** A redelivery requested through the API (deliveries stream). */
  redeliveryRequest: contract<RedeliveryRequest>({
    name: 'RedeliveryRequest',
    version: 1,
    schema: RedeliveryRequestSchema,
    subject: (names, request) => names.subjects.redelivery(request.tenant, request.functionName),
  }),
  /** A synchronous invocation (core NATS request/reply, ingress → an executor). */
  syncInvoke: requestContract<SyncInvokeRequest, SyncInvokeReply>({
    name: 'SyncInvokeRequest',
    version: 1,
    schema: SyncInvokeRequestSchema,
    subject: (names, request) => names.subjects.sync(request.tenant, request.functionName),
    reply: contract<SyncInvokeReply>({ name: 'SyncInvokeReply', schema: SyncInvokeReplySchema }),
  }),
  /** A task to accept from inside the platform (core NATS request/reply, → the ingress's intake). */
  intake: requestContract<IntakeRequest, IntakeReply>({
    name: 'IntakeRequest',
    version: 1,
    schema: IntakeRequestSchema,
    subject: (names) => names.subjects.intake,
    reply: contract<IntakeReply>({ name: 'IntakeReply', schema: IntakeReplySchema }),
  }),
} as const;
