/** What the pool needs to know about one function version to run it. */
export interface FunctionSpec {
  /** `tenant/function`: instances are shared only within one key (and version). */
  key: string;
  versionId: string;
  /** The unpacked code (see `unpackCode`); the instance's cwd. */
  codeDir: string;
  /** `nodejs18`, `nodejs20`, `nodejs22`, ... Only Node.js runtimes are supported. */
  runtime: string;
  /** FC handler string, `<file>.<export>`, e.g. `index.handler`. */
  handler: string;
  timeoutSeconds: number;
  memorySizeMB: number;
  /** Invocations one instance serves at once (FC's instanceConcurrency). */
  instanceConcurrency: number;
  environmentVariables: Record<string, string>;
  initializer?: LifecycleHook;
  preStop?: LifecycleHook;
}

export interface LifecycleHook {
  handler: string;
  timeoutSeconds: number;
}

export interface InvokeRequest {
  requestId: string;
  taskId?: string;
  /** 1-based attempt number, visible to the handler as `context.attempt`. */
  attempt: number;
  /** The event, delivered to the handler as a Buffer with exactly these bytes. */
  payload: Buffer;
  traceparent?: string;
  tenant: string;
  functionName: string;
}

/**
 * How one invocation ended. `durationMs` is measured from `invoke()` to the outcome, so it
 * includes a cold start when `coldStart` is true. `logs` holds the lines the instance wrote
 * while the invocation was in flight (capped at 64 KB).
 */
export type InvokeOutcome =
  | {
      kind: 'succeeded';
      result: Buffer;
      instanceId: string;
      durationMs: number;
      coldStart: boolean;
      logs: string;
    }
  | {
      kind: 'failed';
      /** The handler's error name; `InitializationError` when the instance could not be initialised. */
      errorType: string;
      errorMessage: string;
      instanceId: string;
      durationMs: number;
      coldStart: boolean;
      logs: string;
    }
  | {
      kind: 'timedOut';
      errorMessage: `Function timed out after ${number} seconds`;
      instanceId: string;
      durationMs: number;
      logs: string;
    }
  | { kind: 'crashed'; errorMessage: string; instanceId: string; durationMs: number; logs: string }
  | { kind: 'stopped'; instanceId: string; durationMs: number; logs: string };

export type InvokeOutcomeKind = InvokeOutcome['kind'];

export const InstanceStatus = {
  Starting: 'starting',
  Initializing: 'initializing',
  Ready: 'ready',
  Busy: 'busy',
  Stopping: 'stopping',
  Destroyed: 'destroyed',
} as const;
export type InstanceStatus = (typeof InstanceStatus)[keyof typeof InstanceStatus];

export interface InstanceInfo {
  instanceId: string;
  key: string;
  versionId: string;
  status: InstanceStatus;
  createdTimeMs: number;
  /** Invocations assigned to the instance and not finished (including ones waiting for its start). */
  inFlight: number;
  /** Invocations the instance has been given over its life. */
  invocations: number;
}

/** Why an instance went away (a label for metrics and logs). */
export const DestroyReason = {
  Idle: 'idle',
  VersionReplaced: 'versionReplaced',
  Retired: 'retired',
  Shutdown: 'shutdown',
  TimedOut: 'timedOut',
  Stopped: 'stopped',
  InitFailed: 'initFailed',
  Crashed: 'crashed',
} as const;
export type DestroyReason = (typeof DestroyReason)[keyof typeof DestroyReason];

export type InstanceEvent =
  | { type: 'started'; instanceId: string; key: string; versionId: string }
  | { type: 'initialized'; instanceId: string; key: string; versionId: string; initDurationMs: number }
  | {
      type: 'destroyed';
      instanceId: string;
      key: string;
      versionId: string;
      reason: DestroyReason;
      lifetimeMs: number;
      invocations: number;
    };

/** The subset of pino the pool uses. */
export interface RuntimeLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface InstancePoolOptions {
  /** The instance entry point; defaults to this package's `node-shim.mjs`. */
  shimPath?: string;
  /** An instance with nothing in flight for this long is destroyed (preStop first). */
  idleTimeoutMs: number;
  logger?: RuntimeLogger;
  onInstanceEvent?: (event: InstanceEvent) => void;
  /** After a timeout or stop, how long the child may react to its aborted signal before SIGKILL. Default 200. */
  killGraceMs?: number;
  /** How long a new process may take to come up and say `ready`. Default 30 000. */
  startTimeoutMs?: number;
  /** Per-invocation log cap. Default 64 KB. */
  maxLogBytes?: number;
  /** Node binary per runtime (`{ nodejs18: '/opt/node18/bin/node' }`); default: the executor's own node. */
  nodeBinaries?: Record<string, string>;
}

export interface InstancePool {
  /** Never rejects for anything the function does; rejects only with `PoolClosedError` after `shutdown()`. */
  invoke(spec: FunctionSpec, req: InvokeRequest, signal?: AbortSignal): Promise<InvokeOutcome>;
  list(key?: string): InstanceInfo[];
  /** Destroys every instance of a function (preStop first); in-flight invocations end `crashed`. */
  retire(key: string): Promise<void>;
  /** Destroys every instance (preStop first) and refuses further invocations. */
  shutdown(): Promise<void>;
}
