/** The ten task states of FC's asynchronous tasks (seed 000). */
export const TaskStatus = {
  Enqueued: 'Enqueued',
  Dequeued: 'Dequeued',
  Running: 'Running',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Stopping: 'Stopping',
  Stopped: 'Stopped',
  Expired: 'Expired',
  Invalid: 'Invalid',
  Retrying: 'Retrying',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

export const ALL_TASK_STATUSES = Object.values(TaskStatus) as readonly TaskStatus[];

export const TERMINAL_STATUSES: ReadonlySet<TaskStatus> = new Set([
  TaskStatus.Succeeded,
  TaskStatus.Failed,
  TaskStatus.Stopped,
  TaskStatus.Expired,
  TaskStatus.Invalid,
]);

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** FC's console calls Dequeued "Processed"; filters accept either name, case-insensitively. */
export function parseTaskStatus(input: string): TaskStatus | undefined {
  const lower = input.trim().toLowerCase();
  if (lower === 'processed') return TaskStatus.Dequeued;
  return ALL_TASK_STATUSES.find((s) => s.toLowerCase() === lower);
}
