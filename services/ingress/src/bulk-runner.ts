import type { BulkOperationDocument, TaskDocument } from '@asyncfn/contracts';
import { ApiError, bulkRerunTaskId, bulkTaskQuery } from '@asyncfn/core';
import type { BulkOperationStore, BulkProgress, TaskStore } from '@asyncfn/mongo';
import type { Logger } from '@asyncfn/telemetry';
import { rerunTask, stopTask, type TaskControlDeps } from './task-control.js';

/**
 * Runs bulk operations: walks the matching tasks in (startedTime, _id) order and stops or re-runs
 * each through the same code as the single-task routes, saving the cursor and counts as it goes
 * (and so renewing its lease). Any ingress replica runs one: the replica that accepted the
 * operation starts it at once; every replica also looks, at start and then periodically, for
 * operations whose lease ran out (their runner died) and resumes them from the saved cursor.
 */
export interface BulkRunner {
  readonly owner: string;
  readonly leaseMs: number;
  /** Runs an operation this runner holds the lease of (just created). */
  run(op: BulkOperationDocument): void;
  /** Starts looking for operations to take over. */
  start(): void;
  /** Saves progress, releases the leases (another runner may resume at once), and waits. */
  stop(): Promise<void>;
}

const PAGE_SIZE = 50;
const SAVE_EVERY_TASKS = 20;

export function createBulkRunner(deps: {
  store: BulkOperationStore;
  tasks: TaskStore;
  control: TaskControlDeps;
  logger: Logger;
  owner: string;
  leaseMs: number;
  tasksPerSecond: number;
  scanEveryMs?: number;
  clock?: () => number;
}): BulkRunner {
  const clock = deps.clock ?? Date.now;
  const running = new Set<Promise<void>>();
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let scanning: Promise<void> = Promise.resolve();

  /** Acts on one task; a task-level refusal (an FC error) is a failure of that task only. */
  async function act(op: BulkOperationDocument, task: TaskDocument): Promise<void> {
    if (op.action === 'Stop') {
      await stopTask(deps.control, task);
      return;
    }
    try {
      await rerunTask(deps.control, {
        original: task,
        taskId: bulkRerunTaskId(task.taskId, op.operationId),
        requestId: op.operationId,
        delaySeconds: 0,
      });
    } catch (err) {
      // Its derived id is taken: this operation re-ran the task before a restart.
      if (err instanceof ApiError && err.code === 'AsyncTaskAlreadyExists') return;
      throw err;
    }
  }

  async function execute(op: BulkOperationDocument): Promise<void> {
    const query = bulkTaskQuery(op);
    const progress: BulkProgress = {
      ...(op.cursor ? { cursor: op.cursor } : {}),
      succeeded: op.succeeded,
      failed: op.failed,
      ...(op.lastError ? { lastError: op.lastError } : {}),
    };
    const interval = 1000 / deps.tasksPerSecond;
    let nextAt = 0;
    let unsaved = 0;
    let savedAt = clock();
    const save = async (leaseMs = deps.leaseMs) => {
      unsaved = 0;
      savedAt = clock();
      return deps.store.saveProgress(op._id, deps.owner, progress, savedAt, leaseMs);
    };
    try {
      for (;;) {
        const page = await deps.tasks.list({
          tenant: op.tenant,
          ...query,
          limit: PAGE_SIZE,
          sortOrderByTime: 'asc',
          includePayload: op.action === 'Rerun',
          ...(progress.cursor ? { after: progress.cursor } : {}),
        });
        if (page.length === 0) break;
        for (const task of page) {
          if (stopping) {
            await save(0);
            return;
          }
          const wait = nextAt - clock();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          nextAt = Math.max(clock(), nextAt) + interval;
          try {
            await act(op, task);
            progress.succeeded++;
          } catch (err) {
            if (!(err instanceof ApiError)) throw err;
            progress.failed++;
            progress.lastError = { taskId: task.taskId, code: err.code, message: err.message };
          }
          progress.cursor = { t: task.startedTime, id: task._id };
          // Save often enough that the lease never runs out while this runner is alive.
          if (++unsaved >= SAVE_EVERY_TASKS || clock() - savedAt > deps.leaseMs / 3) {
            if (!(await save())) return; // another runner took it over
          }
        }
      }
      await deps.store.finish(
        op._id,
        deps.owner,
        { ...progress, state: 'Completed', matched: progress.succeeded + progress.failed },
        clock(),
      );
    } catch (err) {
      deps.logger.error({ err, operationId: op.operationId }, 'bulk operation failed');
      // If even this write fails (the database is away), the lease runs out and another runner resumes it.
      await deps.store
        .finish(
          op._id,
          deps.owner,
          {
            ...progress,
            state: 'Failed',
            matched: op.matched,
            lastError: { code: 'InternalServerError', message: (err as Error).message },
          },
          clock(),
        )
        .catch((e: unknown) => deps.logger.warn({ err: e }, 'bulk operation: cannot record the failure'));
    }
  }

  function track(op: BulkOperationDocument): void {
    const job = execute(op).finally(() => running.delete(job));
    running.add(job);
  }

  async function scan(): Promise<void> {
    for (;;) {
      if (stopping) return;
      const op = await deps.store.claimExpired(deps.owner, clock(), deps.leaseMs);
      if (!op) return;
      deps.logger.info(
        { operationId: op.operationId, succeeded: op.succeeded, failed: op.failed },
        'resuming bulk operation',
      );
      track(op);
    }
  }
  const scanSoon = () => {
    scanning = scanning
      .then(scan)
      .catch((err: unknown) => deps.logger.warn({ err }, 'bulk operations: resume scan failed'));
  };

  return {
    owner: deps.owner,
    leaseMs: deps.leaseMs,
    run: track,
    start() {
      scanSoon();
      timer = setInterval(scanSoon, deps.scanEveryMs ?? Math.max(500, deps.leaseMs / 3));
      timer.unref();
    },
    async stop() {
      stopping = true;
      if (timer) clearInterval(timer);
      await scanning;
      await Promise.all([...running]);
    },
  };
}
