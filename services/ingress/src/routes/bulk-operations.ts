import type { FastifyInstance } from 'fastify';
import { ulid } from 'ulid';
import type { BulkOperationDocument } from '@asyncfn/contracts';
import {
  ApiError,
  bulkOperationView,
  bulkTaskQuery,
  notFound,
  parseBulkOperationRequest,
} from '@asyncfn/core';
import { bulkOperationDocumentId } from '@asyncfn/mongo';
import type { IngressDeps } from '../deps.js';
import { bulkSchemas } from '../openapi/extensions.js';
import { API, jsonBody } from '../http.js';

const OPERATION_ID = /^bo-[0-9A-Za-z]{1,40}$/;

/**
 * Extension: bulk stop and bulk re-run by filter. POST counts the matching tasks and, unless
 * dryRun, starts the operation and answers at once (state Running, or Completed if nothing
 * matched); GET follows its progress. See bulk-runner.ts for how it runs and resumes.
 */
export async function bulkOperationRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  const clock = deps.clock ?? Date.now;

  app.post(`${API}/async-task-bulk-operations`, { schema: bulkSchemas.create }, async (request) => {
    const { action, filter, dryRun } = parseBulkOperationRequest(jsonBody(request));
    const tenant = request.tenant;
    if (filter.functionName !== undefined && !(await deps.functions.get(tenant, filter.functionName))) {
      throw notFound.function(filter.functionName);
    }
    const now = clock();
    const operationId = `bo-${ulid(now)}`;
    const matched = await deps.tasks.count({
      tenant,
      ...bulkTaskQuery({ action, filter, createdTime: now }),
    });
    const base = {
      _id: bulkOperationDocumentId(tenant, operationId),
      tenant,
      operationId,
      action,
      filter,
      matched,
      succeeded: 0,
      failed: 0,
      createdTime: now,
      updatedTime: now,
    };
    const { runner } = deps.bulk;
    const doc: BulkOperationDocument = dryRun
      ? { ...base, state: 'DryRun', finishedTime: now }
      : matched === 0
        ? { ...base, state: 'Completed', finishedTime: now }
        : { ...base, state: 'Running', owner: runner.owner, leaseUntil: now + runner.leaseMs };
    await deps.bulk.store.create(doc);
    if (doc.state === 'Running') runner.run(doc);
    return bulkOperationView(doc);
  });

  app.get<{ Params: { operationId: string } }>(
    `${API}/async-task-bulk-operations/:operationId`,
    { schema: bulkSchemas.get },
    async (request) => {
      const { operationId } = request.params;
      const doc = OPERATION_ID.test(operationId)
        ? await deps.bulk.store.get(request.tenant, operationId)
        : undefined;
      if (!doc) {
        throw new ApiError(
          'BulkOperationNotFound',
          `bulk operation '${operationId.slice(0, 64)}' does not exist`,
        );
      }
      return bulkOperationView(doc);
    },
  );
}
