import { isTerminal, type AsyncTask, type TaskChange } from './types.js';

/** A row of the task table: the task as listed, its function, and when it last changed. */
export interface TaskRow extends AsyncTask {
  functionName: string;
  /** Timestamp of the latest change applied to the row (listed rows: their end or start). */
  changedAt: number;
}

export interface TableFilter {
  functionName?: string;
  status?: string;
  prefix?: string;
  /** Newest first (the default): only then do new tasks appear at the top of the first page. */
  sortOrder: 'asc' | 'desc';
  /** New tasks are added only on the first page. */
  firstPage: boolean;
  startedTimeBegin?: number;
  startedTimeEnd?: number;
}

/** FC's functionArn ends with `functions/<name>`. */
export function functionOfArn(arn: string | undefined): string {
  const i = arn?.lastIndexOf('functions/') ?? -1;
  return i >= 0 ? arn!.slice(i + 'functions/'.length) : '';
}

export function rowOf(task: AsyncTask & { functionArn?: string }): TaskRow {
  return {
    ...task,
    functionName: task.functionName ?? functionOfArn(task.functionArn),
    changedAt: task.endTime ?? task.startedTime,
  };
}

function matchesNew(change: TaskChange, filter: TableFilter): boolean {
  if (!filter.firstPage || filter.sortOrder !== 'desc') return false;
  if (filter.functionName && change.functionName !== filter.functionName) return false;
  if (filter.prefix && !change.taskId.startsWith(filter.prefix)) return false;
  if (filter.startedTimeBegin !== undefined && change.timestamp < filter.startedTimeBegin) return false;
  if (filter.startedTimeEnd !== undefined && change.timestamp > filter.startedTimeEnd) return false;
  return true;
}

/**
 * Applies live changes to the table's rows: a listed task takes its new status (never going back
 * in time, never leaving a terminal state); a new task that matches the filter appears at the top.
 * Returns new rows (the input is not changed) capped at `limit`.
 */
export function applyChanges(
  rows: TaskRow[],
  changes: TaskChange[],
  filter: TableFilter,
  limit: number,
): TaskRow[] {
  const key = (fn: string, id: string) => `${fn}/${id}`;
  const byKey = new Map(rows.map((r) => [key(r.functionName, r.taskId), r]));
  const added: TaskRow[] = [];
  for (const c of changes) {
    const k = key(c.functionName, c.taskId);
    const row = byKey.get(k);
    if (row) {
      if (c.timestamp < row.changedAt || (isTerminal(row.status) && !isTerminal(c.status))) continue;
      const next: TaskRow = { ...row, status: c.status, changedAt: c.timestamp };
      if (isTerminal(c.status)) next.endTime = c.timestamp;
      byKey.set(k, next);
    } else if (c.type === 'TaskEnqueued' && matchesNew(c, filter)) {
      const fresh: TaskRow = {
        taskId: c.taskId,
        functionName: c.functionName,
        status: c.status,
        startedTime: c.timestamp,
        changedAt: c.timestamp,
      };
      byKey.set(k, fresh);
      added.push(fresh);
    }
  }
  const updated = rows.map((r) => byKey.get(key(r.functionName, r.taskId))!);
  // A new task's later changes in the same batch were applied to it through byKey.
  // The status filter is judged on where the new task got to in this batch.
  const fresh = added
    .map((r) => byKey.get(key(r.functionName, r.taskId))!)
    .filter((r) => !filter.status || r.status === filter.status)
    .reverse();
  return [...fresh, ...updated].slice(0, limit);
}
