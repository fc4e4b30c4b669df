import { describe, expect, it } from 'vitest';
import { AUTH_ERROR_CODES } from '@asyncfn/auth';
import { ErrorCodes } from '@asyncfn/core';
import { openApiDocument } from './openapi.js';

describe('the OpenAPI document', () => {
  const doc = openApiDocument() as {
    'x-error-codes': { code: string; status: number; description: string }[];
    paths: Record<string, unknown>;
  };

  it('documents every error code the API can answer with, with its status', () => {
    const documented = new Map(doc['x-error-codes'].map((e) => [e.code, e.status]));
    for (const [code, { status }] of Object.entries(ErrorCodes))
      expect(documented.get(code), code).toBe(status);
    for (const { code, httpStatus } of AUTH_ERROR_CODES) expect(documented.get(code), code).toBe(httpStatus);
    for (const e of doc['x-error-codes']) expect(e.description.length, e.code).toBeGreaterThan(10);
  });

  it('lists the FC task routes', () => {
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/2023-03-30/functions/{functionName}/invocations',
        '/2023-03-30/functions/{functionName}/async-tasks',
        '/2023-03-30/functions/{functionName}/async-tasks/{taskId}',
        '/2023-03-30/functions/{functionName}/async-tasks/{taskId}/stop',
        '/2023-03-30/functions/{functionName}/async-invoke-config',
        '/2023-03-30/async-invoke-configs',
        '/2023-03-30/queues/{queueName}/messages',
      ]),
    );
  });

  it('marks the bulk operations as an asyncfn extension', () => {
    const path = doc.paths['/2023-03-30/async-task-bulk-operations'] as { post: Record<string, unknown> };
    expect(path.post['x-asyncfn-extension']).toBe(true);
    expect(String(path.post.description)).toMatch(/^extension:/);
    const get = doc.paths['/2023-03-30/async-task-bulk-operations/{operationId}'] as {
      get: Record<string, unknown>;
    };
    expect(get.get['x-asyncfn-extension']).toBe(true);
  });

  it('lists the FC 2.0 stateful-async routes', () => {
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/2021-04-06/services',
        '/2021-04-06/services/{serviceName}/functions/{functionName}/async-invoke-config',
        '/2021-04-06/services/{serviceName}/functions/{functionName}/invocations',
        '/2021-04-06/services/{serviceName}/functions/{functionName}/stateful-async-invocations/{invocationId}',
        '/2021-04-06/stateful-async-invocation-functions',
      ]),
    );
  });
});
