import { hostname } from 'node:os';
import type { InstanceRecord } from '@asyncfn/contracts';
import type { InstanceDirectory } from '@asyncfn/nats';
import type { InstanceInfo } from '@asyncfn/runtime';
import type { Logger } from '@asyncfn/telemetry';

/**
 * Publishes this executor's instances to the instances KV bucket for ListInstances: on every
 * status change (coalesced over a few ms, so a burst of invocations costs one write per
 * instance) and every `refreshMs` for the live ones, whose records would otherwise age out of the
 * bucket (its TTL is what removes destroyed instances and those of an executor that died).
 */
export interface InstanceRegistry {
  /** The pool's `onInstanceChange`. */
  changed(info: InstanceInfo): void;
  /** Flushes what is pending (e.g. the destroyed instances of a shutdown) and stops refreshing. */
  stop(): Promise<void>;
}

export function createInstanceRegistry(deps: {
  directory: InstanceDirectory;
  /** The pool's live instances. */
  list: () => InstanceInfo[];
  logger: Logger;
  /** Where the ingress reaches the instances' terminals (none: unsandboxed, no terminals). */
  terminal?: { url: string; token: string };
  refreshMs?: number;
  coalesceMs?: number;
  clock?: () => number;
}): InstanceRegistry {
  const clock = deps.clock ?? Date.now;
  const executor = `${hostname()}:${process.pid}`;
  const dirty = new Map<string, InstanceInfo>();
  let flushTimer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  const record = (info: InstanceInfo): InstanceRecord => ({
    instanceId: info.instanceId,
    status: info.status,
    createdTimeMs: info.createdTimeMs,
    ...(info.destroyedTimeMs !== undefined ? { destroyedTimeMs: info.destroyedTimeMs } : {}),
    qualifier: 'LATEST',
    versionId: info.versionId,
    tenant: info.tenant,
    functionName: info.functionName,
    executor,
    pid: info.pid,
    inFlight: info.inFlight,
    invocations: info.invocations,
    updatedAt: clock(),
    ...(deps.terminal ? { terminal: deps.terminal } : {}),
  });

  const write = async (infos: InstanceInfo[]) => {
    await Promise.all(
      infos.map((info) =>
        deps.directory
          .put(record(info))
          .catch((err: unknown) =>
            deps.logger.warn({ err, instanceId: info.instanceId }, 'could not record instance'),
          ),
      ),
    );
  };

  const flush = () => {
    flushTimer = undefined;
    const batch = [...dirty.values()];
    dirty.clear();
    flushing = flushing.then(() => write(batch));
    return flushing;
  };

  const refresh = setInterval(() => {
    for (const info of deps.list()) if (!dirty.has(info.instanceId)) dirty.set(info.instanceId, info);
    void flush();
  }, deps.refreshMs ?? 5_000);
  refresh.unref();

  return {
    changed(info) {
      dirty.set(info.instanceId, info);
      flushTimer ??= setTimeout(() => void flush(), deps.coalesceMs ?? 20);
    },
    async stop() {
      clearInterval(refresh);
      clearTimeout(flushTimer);
      await flush();
    },
  };
}
