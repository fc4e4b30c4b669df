/** Tasks running on this executor, so a stop request can reach the attempt that runs it. */
export interface RunningTasks {
  register(tenant: string, taskId: string): AbortController;
  unregister(tenant: string, taskId: string): void;
  /** Aborts the attempt if it runs here; returns whether it did. */
  abort(tenant: string, taskId: string, reason: string): boolean;
  size(): number;
}

export function createRunningTasks(): RunningTasks {
  const running = new Map<string, AbortController>();
  const key = (tenant: string, taskId: string) => `${tenant}:${taskId}`;
  return {
    register(tenant, taskId) {
      const controller = new AbortController();
      running.set(key(tenant, taskId), controller);
      return controller;
    },
    unregister(tenant, taskId) {
      running.delete(key(tenant, taskId));
    },
    abort(tenant, taskId, reason) {
      const controller = running.get(key(tenant, taskId));
      controller?.abort(new Error(reason));
      return controller !== undefined;
    },
    size: () => running.size,
  };
}
