export { createInstancePool } from './instance-pool.js';
export {
  unpackCode,
  zipDirectory,
  zipFiles,
  DEFAULT_MAX_UNPACKED_BYTES,
  type UnpackOptions,
} from './code-cache.js';
export { InvalidCodePackageError, PoolClosedError } from './errors.js';
export { isCustomRuntime, isNodeRuntime, isPythonRuntime, isSupportedRuntime } from './runtimes.js';
export {
  DestroyReason,
  InstanceStatus,
  type CustomRuntime,
  type FunctionSpec,
  type LifecycleHook,
  type InvokeRequest,
  type InvokeOutcome,
  type InvokeOutcomeKind,
  type InvokeOptions,
  type OutcomeCommon,
  type ResourceUsage,
  type InstanceInfo,
  type InstanceEvent,
  type InstancePool,
  type InstancePoolOptions,
  type RuntimeLogger,
} from './types.js';
export type { ParentMessage, ChildMessage, FunctionError, FunctionMeta } from './protocol.js';
export { DEFAULT_SANDBOX_OPTIONS, sandboxUid, type SandboxOptions } from './sandbox/options.js';
export { SandboxUnavailableError } from './sandbox/launcher.js';
export { instanceShell, type ShellCommand } from './sandbox/registry.js';
export { CODE_DIR as SANDBOX_CODE_DIR } from './sandbox/command.js';
