import type { ApiClient } from './client.js';
import type { AsyncTask, FunctionInfo, ListedTask } from './api-types.js';

export const taskPath = (fn: string, id: string) =>
  `/functions/${encodeURIComponent(fn)}/async-tasks/${encodeURIComponent(id)}`;

export async function getTask(api: ApiClient, fn: string, id: string): Promise<AsyncTask> {
  return api.call<AsyncTask>('GET', taskPath(fn, id));
}

/** Every function of the account, following nextToken. */
export async function listAllFunctions(api: ApiClient): Promise<FunctionInfo[]> {
  const all: FunctionInfo[] = [];
  let nextToken: string | undefined;
  do {
    const page = await api.call<{ functions: FunctionInfo[]; nextToken?: string }>('GET', '/functions', {
      query: { limit: 100, nextToken },
    });
    all.push(...page.functions);
    nextToken = page.nextToken;
  } while (nextToken);
  return all;
}

export interface TaskFilter {
  status?: string;
  prefix?: string;
  startedTimeBegin?: number;
  startedTimeEnd?: number;
}

/** Up to `limit` tasks of one function, newest first, following nextToken. */
export async function listFunctionTasks(
  api: ApiClient,
  fn: string,
  filter: TaskFilter,
  limit: number,
): Promise<ListedTask[]> {
  const out: ListedTask[] = [];
  let nextToken: string | undefined;
  do {
    const page = await api.call<{ tasks: AsyncTask[]; nextToken?: string }>(
      'GET',
      `/functions/${encodeURIComponent(fn)}/async-tasks`,
      { query: { ...filter, limit: Math.min(100, limit - out.length), nextToken, sortOrderByTime: 'desc' } },
    );
    out.push(...page.tasks.map((t) => ({ ...t, functionName: fn })));
    nextToken = page.nextToken;
  } while (nextToken && out.length < limit);
  return out;
}

/**
 * Tasks across functions (none named: all of them): each function's newest `limit`, merged
 * newest first and cut to `limit`. FC lists tasks per function only, so this is one list call per
 * function.
 */
export async function listTasks(
  api: ApiClient,
  functionNames: string[],
  filter: TaskFilter,
  limit: number,
): Promise<ListedTask[]> {
  const lists = await Promise.all(functionNames.map((fn) => listFunctionTasks(api, fn, filter, limit)));
  return mergeNewestFirst(lists, limit);
}

/** Pure: merges per-function lists (each newest first) into one, newest first, at most `limit`. */
export function mergeNewestFirst(lists: ListedTask[][], limit: number): ListedTask[] {
  return lists
    .flat()
    .sort((a, b) => b.startedTime - a.startedTime || (a.taskId < b.taskId ? 1 : -1))
    .slice(0, limit);
}
