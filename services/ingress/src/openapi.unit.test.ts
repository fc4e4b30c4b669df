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
      ]),
    );
  });
});
