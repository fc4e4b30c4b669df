import type { TaskResources } from './events.js';
import type { TaskStatus } from './task-status.js';

/*
 * Stored records (MongoDB documents and KV values) and the FC 3.0 API shapes built from them.
 * Field names of the API shapes follow the official SDK's models (@alicloud/fc20230330).
 */

export interface LifecycleHook {
  handler?: string;
  /** Seconds. */
  timeout?: number;
  /** Custom runtime: hooks are HTTP paths on the function's server; kept for FC compatibility. */
  command?: string[];
}

export interface InstanceLifecycleConfig {
  initializer?: LifecycleHook;
  preStop?: LifecycleHook;
  /** Beyond FC 3.0's SDK model (FC 2.0 had it); runs after each invocation before the instance idles. */
  preFreeze?: LifecycleHook;
}

export interface CustomRuntimeConfig {
  command: string[];
  args?: string[];
  port?: number;
}

export interface Destination {
  destination: string;
}

export interface DestinationConfig {
  onSuccess?: Destination;
  onFailure?: Destination;
  /**
   * Extension beyond FC: deliver records wrapped as CloudEvents 1.0 (structured JSON, `data` is
   * the record). Off by default, so the record arrives exactly in FC's format.
   */
  cloudEvents?: boolean;
}

/** FC's AsyncConfig, as returned by GetAsyncInvokeConfig. */
export interface AsyncConfig {
  asyncTask: boolean;
  maxAsyncEventAgeInSeconds: number;
  maxAsyncRetryAttempts: number;
  destinationConfig?: DestinationConfig;
  functionArn: string;
  createdTime: string;
  lastModifiedTime: string;
}

export const ASYNC_CONFIG_DEFAULTS = {
  asyncTask: true,
  maxAsyncEventAgeInSeconds: 86_400,
  maxAsyncRetryAttempts: 3,
} as const;

/** A function as stored in MongoDB and mirrored (without code) in the functions KV bucket. */
export interface FunctionRecord {
  tenant: string;
  functionName: string;
  functionId: string;
  functionArn: string;
  description: string;
  runtime: string;
  handler: string;
  timeout: number;
  memorySize: number;
  instanceConcurrency: number;
  environmentVariables: Record<string, string>;
  /** FC's internetAccess; absent = true (egress through the sandbox's user-mode network). */
  internetAccess?: boolean;
  instanceLifecycleConfig?: InstanceLifecycleConfig;
  customRuntimeConfig?: CustomRuntimeConfig;
  /** sha256 hex of the zip (of the path, for a local directory); the code version executors cache under. */
  codeChecksum: string;
  /**
   * Extension for development: the code is this directory on the executors' host, used in place
   * (no zip); its version follows the files' modification times.
   */
  localDirectory?: string;
  codeSize: number;
  createdTime: string;
  lastModifiedTime: string;
  asyncConfig?: AsyncConfig;
}

/** The task projection document: what GetAsyncTask returns (with its events). */
export interface TaskDocument {
  _id: string;
  tenant: string;
  taskId: string;
  functionName: string;
  functionArn: string;
  requestId: string;
  status: TaskStatus;
  /** Current attempt (0 before the first run). */
  attempt: number;
  /** Number of events applied; the optimistic-concurrency guard of the status service. */
  version: number;
  /** Base64 of the invocation body. */
  payload: string;
  startedTime: number;
  dueAt: number;
  endTime?: number;
  returnPayload?: string;
  taskErrorMessage?: string;
  instanceId?: string;
  alreadyRetriedTimes: number;
  /** Attempts that actually started, crash redeliveries included (FC's approximateInvokeCount). */
  invokeCount: number;
  rerunOf?: string;
  traceparent?: string;
  destinationStatus?: string;
  /** The delivery destinationStatus is about (a redelivery supersedes the delivery before it). */
  destinationDeliveryId?: string;
  /** What the last attempt that ended cost (extension). */
  resources?: TaskResources;
  updatedAt: number;
  /** TTL index: the task and its history are dropped after the retention period. */
  expireAt: Date;
  /** expireAt's minute (ms / 60,000): servers without TTL indexes expire by it (see expiryOf). */
  expireMinute: number;
}

export interface TaskEventDocument {
  /** The event id (ULID). */
  _id: string;
  tenant: string;
  taskId: string;
  /** 1-based position in the task's history (FC's AsyncTaskEvent.eventId). */
  seq: number;
  type: string;
  status: TaskStatus;
  attempt: number;
  timestamp: number;
  source: string;
  detail: string;
  traceparent?: string;
  expireAt: Date;
  expireMinute: number;
}

/** FC's AsyncTaskEvent. */
export interface AsyncTaskEventView {
  eventId: number;
  status: TaskStatus;
  timestamp: number;
  eventDetail: string;
}

/** FC's AsyncTask. */
export interface AsyncTaskView {
  taskId: string;
  status: TaskStatus;
  requestId: string;
  functionArn: string;
  qualifier: string;
  startedTime: number;
  endTime?: number;
  durationMs?: number;
  alreadyRetriedTimes: number;
  returnPayload?: string;
  taskErrorMessage?: string;
  taskPayload?: string;
  instanceId?: string;
  destinationStatus?: string;
  events?: AsyncTaskEventView[];
  /** Extensions beyond FC. */
  invokeCount: number;
  dueTime?: number;
  rerunOf?: string;
  /** What the last attempt that ended cost (see TaskResources). */
  resources?: TaskResources;
}

export function functionArn(tenant: string, functionName: string): string {
  return `acs:fc:local:${tenant}:functions/${functionName}`;
}

export function taskDocumentId(tenant: string, taskId: string): string {
  return `${tenant}:${taskId}`;
}

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

/**
 * A task's captured output (KV `logs`, key `<tenant>.<taskId>`): every attempt's stdout/stderr
 * and its hooks', each under an attempt header, capped by the executor (oldest output dropped first).
 */
export interface TaskLogRecord {
  logs: string;
  /** Output was dropped to stay within the cap. */
  truncated: boolean;
  /** Attempts appended so far. */
  attempts: number;
  updatedAt: number;
}

/** FC's InstanceInfo plus what asyncfn knows (KV `instances`, key `<tenant>.<function>.<instanceId>`). */
export interface InstanceRecord {
  instanceId: string;
  /** starting, initializing, busy, freezing, frozen (idle), stopping, destroyed. */
  status: string;
  createdTimeMs: number;
  destroyedTimeMs?: number;
  qualifier: string;
  /** The code+config version the instance runs (changes on every UpdateFunction). */
  versionId: string;
  tenant: string;
  functionName: string;
  /** Extensions. */
  executor: string;
  pid: number;
  inFlight: number;
  invocations: number;
  updatedAt: number;
}

/*
 * Triggers: FC's trigger API (`/functions/{name}/triggers`). MongoDB holds them (source of truth),
 * the `triggers` KV bucket mirrors them (key `<tenant>.<function>.<trigger>`) for the dispatcher's
 * trigger runners (kafka, nats, timer) and the ingress's HTTP trigger endpoint.
 */

export const TriggerType = { Http: 'http', Kafka: 'kafka', Nats: 'nats', Timer: 'timer' } as const;
export type TriggerType = (typeof TriggerType)[keyof typeof TriggerType];
export const ALL_TRIGGER_TYPES: readonly TriggerType[] = Object.values(TriggerType);

export const HttpTriggerAuthType = { Anonymous: 'anonymous', Function: 'function' } as const;
export type HttpTriggerAuthType = (typeof HttpTriggerAuthType)[keyof typeof HttpTriggerAuthType];

/** FC's HTTPTriggerConfig (authType, methods) plus `asyncInvocation` (extension). */
export interface HttpTriggerConfig {
  authType: HttpTriggerAuthType;
  methods: string[];
  /** Extension: every request is an async invocation (202). Otherwise `x-fc-invocation-type: Async` per request. */
  asyncInvocation?: boolean;
}

export interface KafkaTriggerConfig {
  topic: string;
  /** Consumer group; default one group per trigger, shared by all dispatcher replicas. */
  groupId?: string;
  /** A new group starts at the earliest offset instead of at the trigger's creation. */
  fromBeginning?: boolean;
}

/** Core NATS (`subject`) or a JetStream durable consumer (`stream`, optional `subject` filter). */
export interface NatsTriggerConfig {
  subject?: string;
  stream?: string;
  /** JetStream: a new consumer starts at the stream's first message instead of new ones. */
  fromBeginning?: boolean;
}

/** FC's TimerTriggerConfig. */
export interface TimerTriggerConfig {
  /** `@every <n>s|m|h...`, or a 6-field cron (seconds first), optionally `CRON_TZ=<zone> ` before it. UTC by default. */
  cronExpression: string;
  payload?: string;
  enable: boolean;
}

export type TriggerSpec =
  | { triggerType: 'http'; triggerConfig: HttpTriggerConfig }
  | { triggerType: 'kafka'; triggerConfig: KafkaTriggerConfig }
  | { triggerType: 'nats'; triggerConfig: NatsTriggerConfig }
  | { triggerType: 'timer'; triggerConfig: TimerTriggerConfig };

/** A trigger as stored (config parsed and normalised; the API shows it as a JSON string). */
export type TriggerRecord = {
  tenant: string;
  functionName: string;
  triggerName: string;
  triggerId: string;
  description: string;
  qualifier: string;
  sourceArn?: string;
  invocationRole?: string;
  createdTime: string;
  lastModifiedTime: string;
} & TriggerSpec;

/** FC's Trigger model. */
export interface TriggerView {
  triggerName: string;
  triggerId: string;
  triggerType: TriggerType;
  /** JSON text, as in FC's API. */
  triggerConfig: string;
  description: string;
  qualifier: string;
  sourceArn?: string;
  invocationRole?: string;
  targetArn: string;
  /** Enabled, or Disabled (a timer with enable=false). */
  status: string;
  createdTime: string;
  lastModifiedTime: string;
  httpTrigger?: { urlInternet: string; urlIntranet: string };
}
