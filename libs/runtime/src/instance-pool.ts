import { fileURLToPath } from 'node:url';
import { PoolClosedError } from './errors.js';
import type { OpenChannel } from './channel.js';
import { httpChannel } from './http-channel.js';
import { createInstance, type Instance } from './instance.js';
import { DEFAULT_MAX_LOG_BYTES } from './log-buffer.js';
import { nodeChannel } from './node-channel.js';
import { pythonBinaryFor, pythonChannel } from './python-channel.js';
import { createSandbox } from './sandbox/launcher.js';
import { DEFAULT_SANDBOX_OPTIONS } from './sandbox/options.js';
import { isCustomRuntime, isPythonRuntime, isSupportedRuntime, nodeBinaryFor } from './runtimes.js';
import {
  DestroyReason,
  type FunctionSpec,
  type InstanceEvent,
  type InstanceInfo,
  type InstancePool,
  type InstancePoolOptions,
  type InvokeOptions,
  type InvokeOutcome,
  type InvokeRequest,
} from './types.js';

const DEFAULT_SHIM_PATH = fileURLToPath(new URL('./node-shim.mjs', import.meta.url));

/**
 * Keeps warm instance processes per function version and routes invocations to them: a warm
 * instance of the same key+version with a free slot if there is one, else a cold start.
 */
export function createInstancePool(options: InstancePoolOptions): InstancePool {
  const { logger } = options;
  /** key → its instances, oldest first (first fit packs work onto few instances). */
  const byKey = new Map<string, Instance[]>();
  /** key → the newest versionId seen; instances of other versions are retired once idle. */
  const latestVersion = new Map<string, string | undefined>();
  const sandboxOptions = { ...DEFAULT_SANDBOX_OPTIONS, ...options.sandbox };
  const sandbox = sandboxOptions.mode === 'none' ? undefined : createSandbox(sandboxOptions, logger);
  if (!sandbox)
    logger?.warn(
      {},
      "runtime: SANDBOX DISABLED (ASYNCFN_SANDBOX=none): functions run unconfined as the executor's user, with its network and files. Development only.",
    );
  const customChannel = httpChannel(sandbox);
  let closed = false;

  function emit(event: InstanceEvent): void {
    try {
      options.onInstanceEvent?.(event);
    } catch (err) {
      logger?.error({ err, event: event.type }, 'runtime: onInstanceEvent threw');
    }
  }

  function setLatestVersion(key: string, versionId: string | undefined): void {
    if (latestVersion.has(key) && latestVersion.get(key) === versionId) return;
    latestVersion.set(key, versionId);
    for (const inst of byKey.get(key) ?? []) {
      if (inst.versionId !== versionId && inst.isIdle()) void inst.destroy(DestroyReason.VersionReplaced);
    }
  }

  function channelFor(spec: FunctionSpec): OpenChannel {
    if (isPythonRuntime(spec.runtime)) {
      return pythonChannel(customChannel, pythonBinaryFor(spec.runtime, options.pythonBinaries));
    }
    return isCustomRuntime(spec.runtime)
      ? customChannel
      : nodeChannel(
          options.shimPath ?? DEFAULT_SHIM_PATH,
          nodeBinaryFor(spec.runtime, options.nodeBinaries),
          sandbox,
        );
  }

  function pick(spec: FunctionSpec): Instance | undefined {
    for (const inst of byKey.get(spec.key) ?? []) {
      if (inst.versionId === spec.versionId && inst.hasCapacity(spec.instanceConcurrency)) return inst;
    }
    return undefined;
  }

  function start(spec: FunctionSpec, first: InvokeRequest): Instance {
    const inst = createInstance({
      spec,
      first,
      openChannel: channelFor(spec),
      idleTimeoutMs: options.idleTimeoutMs,
      killGraceMs: options.killGraceMs ?? 200,
      startTimeoutMs: options.startTimeoutMs ?? 30_000,
      maxLogBytes: options.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES,
      memoryCheckIntervalMs: options.memoryCheckIntervalMs ?? 100,
      ...(logger ? { logger } : {}),
      onInitialized: (i, initDurationMs) =>
        emit({ type: 'initialized', instanceId: i.id, key: i.key, versionId: i.versionId, initDurationMs }),
      onIdle: (i) => {
        if (latestVersion.has(i.key) && latestVersion.get(i.key) !== i.versionId) {
          void i.destroy(DestroyReason.VersionReplaced);
        }
      },
      onChange: (i) => {
        try {
          options.onInstanceChange?.(i.info());
        } catch (err) {
          logger?.error({ err }, 'runtime: onInstanceChange threw');
        }
      },
      onDestroyed: (i, reason) => {
        const list = byKey.get(i.key)?.filter((other) => other !== i) ?? [];
        if (list.length > 0) byKey.set(i.key, list);
        else byKey.delete(i.key);
        const { createdTimeMs, invocations } = i.info();
        emit({
          type: 'destroyed',
          instanceId: i.id,
          key: i.key,
          versionId: i.versionId,
          reason,
          lifetimeMs: Date.now() - createdTimeMs,
          invocations,
        });
      },
    });
    byKey.set(spec.key, [...(byKey.get(spec.key) ?? []), inst]);
    emit({ type: 'started', instanceId: inst.id, key: inst.key, versionId: inst.versionId });
    return inst;
  }

  async function destroyAll(instances: Instance[], reason: DestroyReason): Promise<void> {
    await Promise.all(instances.map((inst) => inst.destroy(reason)));
  }

  return {
    async invoke(
      spec: FunctionSpec,
      req: InvokeRequest,
      signal?: AbortSignal,
      invokeOptions: InvokeOptions = {},
    ): Promise<InvokeOutcome> {
      if (closed) throw new PoolClosedError();
      if (!isSupportedRuntime(spec.runtime)) {
        return {
          kind: 'failed',
          errorType: 'InitializationError',
          errorMessage: `Runtime '${spec.runtime}' is not supported by this executor (supported: nodejs*, python3*, custom)`,
          instanceId: '',
          durationMs: 0,
          coldStart: false,
          logs: '',
        };
      }
      if (signal?.aborted || invokeOptions.kill?.aborted) {
        return { kind: 'stopped', instanceId: '', durationMs: 0, logs: '' };
      }
      setLatestVersion(spec.key, spec.versionId);
      // Spawn failures (no such command, a code dir that is a file) end the invocation `crashed`.
      const inst = pick(spec) ?? start(spec, req);
      return inst.invoke(req, signal, invokeOptions.kill);
    },

    setLatestVersion,

    list(key?: string): InstanceInfo[] {
      const lists = key === undefined ? [...byKey.values()] : [byKey.get(key) ?? []];
      return lists.flat().map((inst) => inst.info());
    },

    async retire(key: string): Promise<void> {
      latestVersion.delete(key);
      await destroyAll(byKey.get(key) ?? [], DestroyReason.Retired);
    },

    async shutdown(): Promise<void> {
      closed = true;
      await destroyAll([...byKey.values()].flat(), DestroyReason.Shutdown);
    },
  };
}
