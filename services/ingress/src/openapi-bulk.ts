import { ALL_TASK_STATUSES, BULK_ACTIONS, BulkOperationState } from '@asyncfn/contracts';

/* The OpenAPI part of the bulk operations extension (kept apart: openapi.ts is long enough). */

const filterProperties = {
  functionName: { type: 'string', description: 'one function; absent: every function of the account' },
  status: {
    type: 'string',
    enum: ALL_TASK_STATUSES,
    description:
      'Stop: an unfinished state (default: all of them); Rerun: a finished one (default: all of them). Processed = Dequeued.',
  },
  prefix: { type: 'string', description: 'task id prefix' },
  startedTimeBegin: { type: 'integer', description: 'accepted at or after, epoch ms' },
  startedTimeEnd: { type: 'integer', description: 'accepted at or before, epoch ms' },
};

export const bulkOperationSchemas = {
  BulkOperationRequest: {
    type: 'object',
    required: ['action'],
    additionalProperties: false,
    properties: {
      action: { type: 'string', enum: BULK_ACTIONS },
      ...filterProperties,
      dryRun: { type: 'boolean', description: 'only count the matching tasks (state DryRun)' },
    },
  },
  BulkOperation: {
    type: 'object',
    properties: {
      operationId: { type: 'string' },
      action: { type: 'string', enum: BULK_ACTIONS },
      filter: { type: 'object', properties: filterProperties },
      state: { type: 'string', enum: Object.values(BulkOperationState) },
      matched: {
        type: 'integer',
        description:
          'tasks the filter matched when the operation started; once Completed, the tasks it acted on (succeeded + failed): a task that left the filter before its turn (e.g. finished on its own) is not counted',
      },
      succeeded: { type: 'integer' },
      failed: { type: 'integer', description: 'tasks it could not act on; lastError tells the last one' },
      createdTime: { type: 'integer' },
      updatedTime: { type: 'integer' },
      finishedTime: { type: 'integer' },
      lastError: {
        type: 'object',
        properties: { taskId: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

export function bulkOperationPaths(error: unknown): Record<string, unknown> {
  const op = {
    description: 'the operation',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/BulkOperation' } } },
  };
  return {
    '/2023-03-30/async-task-bulk-operations': {
      post: {
        operationId: 'CreateAsyncTaskBulkOperation',
        'x-asyncfn-extension': true,
        description:
          'extension: stops (action Stop) or re-runs (action Rerun) every task of the account that the filter matches, ' +
          'as StopAsyncTask and the rerun extension do one by one. Only tasks accepted before the request are part of ' +
          'it. Answers at once: DryRun (dryRun: only counted), Running (then poll GET), or Completed when nothing ' +
          'matched. A re-run task gets the id <taskId>-rerun-<last 8 characters of the operationId> (longer ids are ' +
          'shortened with a hash). The work is persisted with its cursor: if the ingress running it stops or dies, ' +
          'another ingress (or the same one, restarted) resumes it. Paced at ASYNCFN_BULK_TASKS_PER_SECOND. ' +
          '400 InvalidArgument for a bad filter (e.g. Stop with a finished status), 404 FunctionNotFound.',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/BulkOperationRequest' } } },
        },
        responses: { '200': op, default: error },
      },
    },
    '/2023-03-30/async-task-bulk-operations/{operationId}': {
      parameters: [{ name: 'operationId', in: 'path', required: true, schema: { type: 'string' } }],
      get: {
        operationId: 'GetAsyncTaskBulkOperation',
        'x-asyncfn-extension': true,
        description: 'extension: a bulk operation and its progress; 404 BulkOperationNotFound.',
        responses: { '200': op, default: error },
      },
    },
  };
}
