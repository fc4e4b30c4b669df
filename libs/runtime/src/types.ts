import type { SandboxOptions } from './sandbox/options.js';

/** What the pool needs to know about one function version to run it. */
export interface FunctionSpec {
  /** `tenant/function`: instances are shared only within one key (and version). */
  key: string;
  versionId: string;
  /** The unpacked code (see `unpackCode`) or a local directory; the instance's cwd. */
  codeDir: string;
  /**
   * `nodejs18`, `nodejs20`, `nodejs22`, ... run by the Node shim; `python3`, `python3.9`, ... by
   * the Python shim; `custom` / `custom.debian*` run `customRuntime.command` as an HTTP server
   * (see README "Custom runtime").
   */
  runtime: string;
  /** FC handler string, `<file>.<export>`, e.g. `index.handler` (custom runtime: informational). */
  handler: string;
  timeoutSeconds: number;
  memorySizeMB: number;
  /** Invocations one instance serves at once (FC's instanceConcurrency). */
  instanceConcurrency: number;
  environmentVariables: Record<string, string>;
  /** FC's internetAccess: false = no network at all in the sandbox. Default true. */
  internetAccess?: boolean;
  /** vCPUs (FC's `cpu`): the instance's CPU weight. Default memorySizeMB / 1024. */
  cpu?: number;
  /** Required for a custom runtime: the server to start, with cwd = `codeDir`. */
  customRuntime?: CustomRuntime;
  initializer?: LifecycleHook;
  /** Runs each time the instance becomes idle (nothing in flight), before it waits for work. */
  preFreeze?: LifecycleHook;
  preStop?: LifecycleHook;
}

export interface CustomRuntime {
  command: string[];
  args?: string[];
  /** The port the server listens on inside its sandbox (FC's customRuntimeConfig.port). Default 9000. */
  port?: number;
  /**
   * Host directories the command needs besides the code (the native Python shim): bound read-only
   * at `dest` in a sandbox, where the command's arguments naming `src` are rewritten to `dest`.
   */
  binds?: { src: string; dest: string }[];
}

export interface LifecycleHook {
  /** Node: `<file>.<export>`. Custom runtime: informational (the hook is an HTTP path). */
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
 * What one invocation cost, measured from `/proc` (Linux only; absent elsewhere or when the
 * process never started). `cpuTimeMs` is the instance process's user+system CPU time while the
 * invocation was dispatched (10 ms granularity); `peakMemoryMB` its RSS high-water mark (VmHWM),
 * reset when the invocation was dispatched alone. With instanceConcurrency > 1 both cover every
 * invocation the instance ran at the same time, not this one alone.
 */
export interface ResourceUsage {
  cpuTimeMs: number;
  peakMemoryMB: number;
}

/** Fields every outcome has. */
export interface OutcomeCommon {
  instanceId: string;
  /** From `invoke()` to the outcome, so it includes a cold start. */
  durationMs: number;
  /** Lines the instance wrote while the invocation was in flight (capped, see `maxLogBytes`). */
  logs: string;
  usage?: ResourceUsage;
}

/** How one invocation ended. */
export type InvokeOutcome =
  | (OutcomeCommon & { kind: 'succeeded'; result: Buffer; coldStart: boolean })
  | (OutcomeCommon & {
      kind: 'failed';
      /** The handler's error name; `InitializationError` when the instance could not be initialised. */
      errorType: string;
      errorMessage: string;
      coldStart: boolean;
    })
  | (OutcomeCommon & { kind: 'timedOut'; errorMessage: `Function timed out after ${number} seconds` })
  | (OutcomeCommon & { kind: 'crashed'; errorMessage: string })
  | (OutcomeCommon & { kind: 'stopped' });

export type InvokeOutcomeKind = InvokeOutcome['kind'];

/**
 * An instance's life: starting (process up, not answering yet) → initializing (initializer) →
 * busy (invocations in flight) ⇄ freezing (preFreeze hook) → frozen (idle, warm, waiting for
 * work; FC's name, the process is not actually paused) → stopping (preStop, kill) → destroyed.
 */
export const InstanceStatus = {
  Starting: 'starting',
  Initializing: 'initializing',
  Busy: 'busy',
  Freezing: 'freezing',
  Frozen: 'frozen',
  Stopping: 'stopping',
  Destroyed: 'destroyed',
} as const;
export type InstanceStatus = (typeof InstanceStatus)[keyof typeof InstanceStatus];

export interface InstanceInfo {
  instanceId: string;
  key: string;
  versionId: string;
  /** Of the request that started the instance (instances are per tenant and function). */
  tenant: string;
  functionName: string;
  /** 0 until the process is spawned. */
  pid: number;
  status: InstanceStatus;
  createdTimeMs: number;
  destroyedTimeMs?: number;
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
  /** RSS went over memorySize (the memory guard) — a crash, reported as out of memory. */
  OutOfMemory: 'outOfMemory',
  /** The preFreeze hook did not finish within its timeout. */
  PreFreezeTimedOut: 'preFreezeTimedOut',
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
  /**
   * How often each instance's RSS is sampled; an instance over its memorySize is killed (out of
   * memory). Default 100 ms; 0 turns the guard off (the Node heap cap still applies).
   */
  memoryCheckIntervalMs?: number;
  /** Called whenever an instance's status changes (and once when it is destroyed). */
  onInstanceChange?: (info: InstanceInfo) => void;
  /**
   * How instances are confined (docs/security.md). Default: bubblewrap with
   * `DEFAULT_SANDBOX_OPTIONS`; creating the pool throws `SandboxUnavailableError` when the host
   * cannot sandbox. `{ mode: 'none' }` runs instances unconfined (development only).
   */
  sandbox?: Partial<SandboxOptions>;
  /** Node binary per runtime (`{ nodejs18: '/opt/node18/bin/node' }`); default: the executor's own node. */
  nodeBinaries?: Record<string, string>;
  /**
   * Python interpreter per runtime (`{ 'python3.9': '/opt/py39/bin/python3' }`); a `python3` entry
   * is the default for every Python runtime. Default: the host's `python3`.
   */
  pythonBinaries?: Record<string, string>;
}

export interface InvokeOptions {
  /**
   * Aborted when the invocation must end now: the instance is killed without waiting for
   * preStop (a stop's force deadline). Aborting `signal` first gives the graceful stop.
   */
  kill?: AbortSignal;
}

export interface InstancePool {
  /**
   * Never rejects for anything the function does; rejects only with `PoolClosedError` after
   * `shutdown()`. Aborting `signal` stops the invocation (context.signal aborts, preStop, kill).
   */
  invoke(
    spec: FunctionSpec,
    req: InvokeRequest,
    signal?: AbortSignal,
    options?: InvokeOptions,
  ): Promise<InvokeOutcome>;
  list(key?: string): InstanceInfo[];
  /**
   * The newest version of a function: instances of other versions are destroyed (preStop first)
   * as soon as they are idle, so running invocations finish on the code they started with.
   * `undefined` (function deleted) does the same for every version.
   */
  setLatestVersion(key: string, versionId: string | undefined): void;
  /** Destroys every instance of a function (preStop first); in-flight invocations end `crashed`. */
  retire(key: string): Promise<void>;
  /** Destroys every instance (preStop first) and refuses further invocations. */
  shutdown(): Promise<void>;
}
