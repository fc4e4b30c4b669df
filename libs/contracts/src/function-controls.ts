import type { AsyncConfig, CustomRuntimeConfig, InstanceLifecycleConfig } from './records.js';

/*
 * A function's controls beyond its configuration (FC's versions, aliases, concurrency config,
 * invocation switch; asyncfn's dispatch pause). They live on the function's record, so the
 * functions KV carries them to every service that already watches functions.
 */

/** What a published version runs: the function's configuration and code when it was published. */
export interface VersionSnapshot {
  runtime: string;
  handler: string;
  timeout: number;
  memorySize: number;
  instanceConcurrency: number;
  environmentVariables: Record<string, string>;
  instanceLifecycleConfig?: InstanceLifecycleConfig;
  customRuntimeConfig?: CustomRuntimeConfig;
  codeChecksum: string;
  codeSize: number;
  localDirectory?: string;
  /** The function's lastModifiedTime when published: with the checksum, the executors' version id. */
  lastModifiedTime: string;
}

/** A published version (FC's Version, plus what it runs). */
export interface FunctionVersionRecord {
  versionId: string;
  description: string;
  createdTime: string;
  lastModifiedTime: string;
  snapshot: VersionSnapshot;
}

/** FC's Alias. */
export interface AliasRecord {
  aliasName: string;
  versionId: string;
  description: string;
  /** Other versions and the share of invocations each gets (0-1); the rest go to versionId. */
  additionalVersionWeight: Record<string, number>;
  createdTime: string;
  lastModifiedTime: string;
}

export interface FunctionControls {
  versions?: FunctionVersionRecord[];
  /** The last version id handed out: ids are never reused, even after a delete. */
  lastVersionId?: number;
  aliases?: AliasRecord[];
  /** FC's ConcurrencyConfig.reservedConcurrency: running attempts allowed at once. */
  reservedConcurrency?: number;
  /** DisableFunctionInvocation: new invocations are refused (FunctionDisabled). */
  invocationDisabled?: { reason: string; at: string };
  /** Extension: queued tasks are not dispatched (they stay Enqueued, reason paused). */
  dispatchPaused?: { at: string };
  /** Async configs of versions and aliases (LATEST's is `asyncConfig`). */
  qualifierAsyncConfigs?: Record<string, AsyncConfig>;
}

/** Why an Enqueued task is still waiting (AsyncTask.enqueuedReason, extension). */
export const EnqueuedReason = {
  /** Delayed (x-fc-async-delay) and not due yet. */
  Delayed: 'delayed',
  /** Dispatching of the function is paused. */
  Paused: 'paused',
  /** The function's invocation is disabled. */
  Disabled: 'invocationDisabled',
  /** The function (reservedConcurrency) or the account is at its concurrency limit. */
  ConcurrencyLimit: 'concurrencyLimit',
  /** Waiting for its turn in the queue. */
  Queued: 'queued',
} as const;
export type EnqueuedReason = (typeof EnqueuedReason)[keyof typeof EnqueuedReason];
