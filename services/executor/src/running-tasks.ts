/** One running attempt's controls, handed to the instance pool. */
export interface RunningAttempt {
  /** Aborted by a stop: context.signal aborts, preStop runs, the instance is killed. */
  signal: AbortSignal;
  /** Aborted at a stop's force deadline: the instance is killed whatever preStop is doing. */
  kill: AbortSignal;
}

/** Tasks running on this executor, so a stop request can reach the attempt that runs it. */
export interface RunningTasks {
  register(tenant: string, taskId: string): RunningAttempt;
  unregister(tenant: string, taskId: string): void;
  /**
   * Stops the attempt if it runs here (graceful); with `forceAt`, also kills it at that moment
   * (at once if it has passed). A later stop with an earlier deadline escalates. Returns whether
   * the task runs here.
   */
  stop(tenant: string, taskId: string, forceAt?: number): boolean;
  size(): number;
}

interface Entry {
  stop: AbortController;
  kill: AbortController;
  killAt?: number;
  killTimer?: NodeJS.Timeout;
}

export function createRunningTasks(clock: () => number = Date.now): RunningTasks {
  const running = new Map<string, Entry>();
  const key = (tenant: string, taskId: string) => `${tenant}:${taskId}`;
  return {
    register(tenant, taskId) {
      const entry: Entry = { stop: new AbortController(), kill: new AbortController() };
      running.set(key(tenant, taskId), entry);
      return { signal: entry.stop.signal, kill: entry.kill.signal };
    },
    unregister(tenant, taskId) {
      const entry = running.get(key(tenant, taskId));
      clearTimeout(entry?.killTimer);
      running.delete(key(tenant, taskId));
    },
    stop(tenant, taskId, forceAt) {
      const entry = running.get(key(tenant, taskId));
      if (!entry) return false;
      if (!entry.stop.signal.aborted) entry.stop.abort(new Error('stop requested'));
      if (forceAt !== undefined && (entry.killAt === undefined || forceAt < entry.killAt)) {
        entry.killAt = forceAt;
        clearTimeout(entry.killTimer);
        entry.killTimer = setTimeout(
          () => entry.kill.abort(new Error('stop deadline passed')),
          Math.max(0, forceAt - clock()),
        );
      }
      return true;
    },
    size: () => running.size,
  };
}
