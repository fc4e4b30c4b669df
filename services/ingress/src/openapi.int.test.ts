import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS, type ErrorCode } from '@asyncfn/contracts';
import { injectableIngress } from '../../../test/harness/ingress.js';
import type { WiredIngress } from './wiring.js';

/* The generated OpenAPI document, read from the app as a client reads it (GET /openapi.json). */

interface Operation {
  operationId?: string;
  description?: string;
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
  'x-asyncfn-extension'?: boolean;
}
interface Document {
  openapi: string;
  'x-error-codes': { code: string; status: number; retryable: boolean; description: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, { enum?: string[] }> }> };
}

let ingress: WiredIngress;
let doc: Document;

beforeAll(async () => {
  ingress = await injectableIngress('openapi');
  const response = await ingress.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(response.statusCode).toBe(200);
  doc = response.json<Document>();
}, 60_000);

afterAll(async () => {
  await ingress?.close();
});

/** Fastify's `/a/:b/*` as the document writes it: `/a/{b}/{*}`. */
const documentedPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{*}');

describe('the generated OpenAPI document', () => {
  it('is OpenAPI 3.0 and served without a signature', () => {
    expect(doc.openapi).toBe('3.0.3');
  });

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
    const codes = doc['x-error-codes'].map((e) => e.code).sort();
    expect([...doc.components.schemas.Error!.properties!.Code!.enum!].sort()).toEqual(codes);
    expect([...doc.components.schemas.Fc2Error!.properties!.ErrorCode!.enum!].sort()).toEqual(codes);
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

  it('has every registered route, with its method', () => {
    const routes = ingress.app.registeredRoutes.filter((r) => r.method !== 'HEAD');
    expect(routes.length).toBeGreaterThan(80);
    for (const route of routes.filter((r) => !r.hidden)) {
      const path = doc.paths[documentedPath(route.url)];
      expect(path?.[route.method.toLowerCase()], `${route.method} ${route.url}`).toBeDefined();
    }
    // Left out on purpose: only @fastify/static's routes for the console's files.
    for (const route of routes.filter((r) => r.hidden)) expect(route.url).toMatch(/^\/console\//);
  });

  it('gives every API operation an id (unique) and its FC-style error answer', () => {
    const ids: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!/^\/(2023-03-30|2021-04-06)\//.test(path)) continue;
      for (const [method, op] of Object.entries(item)) {
        if (op.operationId) ids.push(op.operationId);
        // The layer operations are one 501 route per path, for every method: one id would repeat.
        else expect(path, `${method} ${path} has no operationId`).toMatch(/\/(layers|layerarn)(\/|$)/);
        const error = op.responses.default?.content?.['application/json']?.schema?.$ref;
        const expected = path.startsWith('/2021-04-06/') ? 'Fc2Error' : 'Error';
        expect(error, `${method} ${path}`).toBe(`#/components/schemas/${expected}`);
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('lists the FC task routes with the shared task shapes', () => {
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
    const get = doc.paths['/2023-03-30/functions/{functionName}/async-tasks/{taskId}']!.get!;
    expect(get.operationId).toBe('GetAsyncTask');
    expect(get.responses['200']?.content?.['application/json']?.schema?.$ref).toBe(
      '#/components/schemas/AsyncTask',
    );
    expect(Object.keys(doc.components.schemas.AsyncTask!.properties!)).toEqual(
      expect.arrayContaining(['taskId', 'status', 'events', 'invokeCount', 'resources']),
    );
  });

  it('marks the bulk operations as an asyncfn extension', () => {
    const post = doc.paths['/2023-03-30/async-task-bulk-operations']!.post!;
    expect(post['x-asyncfn-extension']).toBe(true);
    expect(String(post.description)).toMatch(/^extension:/);
    const get = doc.paths['/2023-03-30/async-task-bulk-operations/{operationId}']!.get!;
    expect(get['x-asyncfn-extension']).toBe(true);
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
