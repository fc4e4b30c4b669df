import type { TaskChange, TaskChangesMessage } from '@asyncfn/contracts';

/** The changes of one status-service message the listener asked for (all functions, or one). */
export function changesFor(message: unknown, functionName: string | undefined): TaskChange[] {
  const changes = (message as Partial<TaskChangesMessage> | undefined)?.changes;
  if ((message as TaskChangesMessage | undefined)?.v !== 1 || !Array.isArray(changes)) return [];
  return functionName === undefined ? changes : changes.filter((c) => c.functionName === functionName);
}

/** One Server-Sent Events frame (the data is JSON, so it is a single line). */
export function sseFrame(event: string, data: unknown, id?: string): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
