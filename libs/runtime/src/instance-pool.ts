import { fileURLToPath } from 'node:url';
import { PoolClosedError } from './errors.js';
import { createInstance, type Instance } from './instance.js';
import { DEFAULT_MAX_LOG_BYTES } from './log-buffer.js';
import { isSupportedRuntime, nodeBinaryFor } from './runtimes.js';
import {
  DestroyReason,
  type FunctionSpec,
  type InstanceEvent,
  type InstanceInfo,
  type InstancePool,
  type InstancePoolOptions,
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
  const latestVersion = new Map<string, string>();
  let closed = false;

  function emit(event: InstanceEvent): void {
    try {
      options.onInstanceEvent?.(event);
    } catch (err) {
      logger?.error({ err, event: event.type }, 'runtime: onInstanceEvent threw');
    }
  }

  function noteVersion(spec: FunctionSpec): void {
    if (latestVersion.get(spec.key) === spec.versionId) return;
    latestVersion.set(spec.key, spec.versionId);
    for (const inst of byKey.get(spec.key) ?? []) {
      if (inst.versionId !== spec.versionId && inst.isIdle())
        void inst.destroy(DestroyReason.VersionReplaced);
    }
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
      shimPath: options.shimPath ?? DEFAULT_SHIM_PATH,
      execPath: nodeBinaryFor(spec.runtime, options.nodeBinaries),
      idleTimeoutMs: options.idleTimeoutMs,
      killGraceMs: options.killGraceMs ?? 200,
      startTimeoutMs: options.startTimeoutMs ?? 30_000,
      maxLogBytes: options.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES,
      logger,
      onInitialized: (i, initDurationMs) =>
        emit({ type: 'initialized', instanceId: i.id, key: i.key, versionId: i.versionId, initDurationMs }),
      onIdle: (i) => {
        if (latestVersion.get(i.key) !== i.versionId) void i.destroy(DestroyReason.VersionReplaced);
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
    async invoke(spec: FunctionSpec, req: InvokeRequest, signal?: AbortSignal): Promise<InvokeOutcome> {
      if (closed) throw new PoolClosedError();
      if (!isSupportedRuntime(spec.runtime)) {
        return {
          kind: 'failed',
          errorType: 'InitializationError',
          errorMessage: `Runtime '${spec.runtime}' is not supported by this executor (supported: nodejs*)`,
          instanceId: '',
          durationMs: 0,
          coldStart: false,
          logs: '',
        };
      }
      if (signal?.aborted) return { kind: 'stopped', instanceId: '', durationMs: 0, logs: '' };
      noteVersion(spec);
      let inst: Instance;
      try {
        inst = pick(spec) ?? start(spec, req);
      } catch (err) {
        // fork throws synchronously for some spawn errors (e.g. codeDir is a file).
        const errorMessage = `Failed to start instance process in ${spec.codeDir}: ${(err as Error).message}`;
        return { kind: 'crashed', errorMessage, instanceId: '', durationMs: 0, logs: '' };
      }
      return inst.invoke(req, signal);
    },

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
