import type { TaskDocument, TaskEnqueued } from '@asyncfn/contracts';
import { ANY_TASK_ID, acceptedDocument, notFound } from '@asyncfn/core';
import type { IngressDeps } from './deps.js';

/**
 * A task of this tenant and function, or 404 (another tenant's task is simply not there). A task
 * accepted a moment ago may not be recorded yet: then its claim tells it, Enqueued (`claim` set).
 */
export async function findTask(
  deps: IngressDeps,
  tenant: string,
  functionName: string,
  taskId: string,
  options?: { withHistory?: boolean },
): Promise<{ doc: TaskDocument; claim?: TaskEnqueued }> {
  const doc = await deps.tasks.get(tenant, taskId, options);
  if (doc && doc.functionName === functionName) return { doc };
  const claim = !doc && ANY_TASK_ID.test(taskId) ? await deps.claims.get(tenant, taskId) : undefined;
  if (!claim || claim.functionName !== functionName) throw notFound.task(functionName, taskId);
  return { doc: acceptedDocument(claim, deps.retentionSeconds * 1000), claim };
}
