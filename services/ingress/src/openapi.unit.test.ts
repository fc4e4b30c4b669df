import { describe, expect, it } from 'vitest';
import { ERRORS, type ErrorCode } from '@asyncfn/contracts';
import { openApiDocument } from './openapi.js';

describe('the OpenAPI document', () => {
  const doc = openApiDocument() as {
    'x-error-codes': { code: string; status: number; retryable: boolean; description: string }[];
    paths: Record<string, unknown>;
    components: { schemas: { Error: { properties: { Code: { enum: string[] } } } } };
  };

  it('documents every error code of the registry the API can answer with, with its status', () => {
    const documented = new Map(doc['x-error-codes'].map((e) => [e.code, e]));
    for (const [code, entry] of Object.entries(ERRORS)) {
      if ('internal' in entry) {
        expect(documented.has(code), code).toBe(false);
        continue;
      }
      expect(documented.get(code)?.status, code).toBe(entry.status);
      expect(documented.get(code)?.retryable, code).toBe(entry.retryable);
    }
    for (const e of doc['x-error-codes']) {
      expect(Object.hasOwn(ERRORS, e.code), `${e.code} is in the registry`).toBe(true);
      expect(e.description.length, e.code).toBeGreaterThan(10);
    }
    expect([...doc.components.schemas.Error.properties.Code.enum].sort()).toEqual(
      doc['x-error-codes'].map((e) => e.code).sort(),
    );
  });

  it("uses FC's codes where FC has one", () => {
    const fc: ErrorCode[] = [
      'AsyncConfigNotExists',
      'EntityTooLarge',
      'PathNotSupported',
      'InvalidArgument',
      'ResourceThrottled',
    ];
    for (const code of fc) expect(ERRORS[code].origin, code).toBe('fc');
    expect(Object.keys(ERRORS)).not.toEqual(
      expect.arrayContaining(['AsyncConfigNotFound', 'PayloadTooLarge', 'PathNotFound', 'InvalidJSON']),
    );
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
