import type { TaskResources } from './events.js';
import type { FunctionControls } from './function-controls.js';
import type { TaskStatus } from './task-status.js';
import type { AsyncConfig } from './schemas/async-config.js';

/*
 * Stored records (MongoDB documents and KV values) and the FC 3.0 API shapes built from them.
 * Field names of the API shapes follow the official SDK's models (@alicloud/fc20230330).
 * Functions and tasks are here; the other kinds have a file each, re-exported so that
 * `./records.js` still has them all.
 */
export type { AsyncConfig, Destination, DestinationConfig } from './schemas/async-config.js';
export type { AsyncTaskEventView, AsyncTaskView } from './schemas/tasks.js';
export * from './result-records.js';
export * from './instance-records.js';
export * from './trigger-records.js';

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

export const ASYNC_CONFIG_DEFAULTS = {
  asyncTask: true,
  maxAsyncEventAgeInSeconds: 86_400,
  maxAsyncRetryAttempts: 3,
} as const;

/** A function as stored in MongoDB and mirrored (without code) in the functions KV bucket. */
export interface FunctionRecord extends FunctionControls {
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
  /** The qualifier the task was invoked with (absent: LATEST). */
  qualifier?: string;
  /** The version that qualifier resolved to when the task was accepted (absent: LATEST). */
  resolvedVersion?: string;
  /** When the next attempt is due, while Retrying. */
  retryAt?: number;
  destinationStatus?: string;
  /** The delivery destinationStatus is about (a redelivery supersedes the delivery before it). */
  destinationDeliveryId?: string;
  /** What the last attempt that ended cost (extension). */
  resources?: TaskResources;
  /**
   * The task's history, oldest first, kept in its own document so that one write records a short
   * task. Read only when asked for (TaskStore.get's withHistory). Documents written before history
   * moved here hold none, or only their later events: the rest is in the task_events collection.
   */
  history?: TaskHistoryEntry[];
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

/** One event of a task's history as its document keeps it (tenant, task and expiry are the document's). */
export type TaskHistoryEntry = Omit<TaskEventDocument, 'tenant' | 'taskId' | 'expireAt' | 'expireMinute'>;

export function functionArn(tenant: string, functionName: string): string {
  return `acs:fc:local:${tenant}:functions/${functionName}`;
}

export function taskDocumentId(tenant: string, taskId: string): string {
  return `${tenant}:${taskId}`;
}
