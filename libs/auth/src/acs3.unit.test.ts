import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import fc20230330, * as $FC from '@alicloud/fc20230330';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '@asyncfn/contracts';
import {
  AUTH_ERROR_CODES,
  AuthError,
  DEFAULT_LOCAL_ACCESS_KEYS,
  EMPTY_BODY_SHA256,
  accessKeyLookup,
  parseAccessKeys,
  parseQueryString,
  signAcs3Request,
  signatureNonceUsedError,
  verifyAcs3Request,
} from './index.js';
import type { AccessKeyLookup, Acs3VerifyRequest } from './index.js';
import { expectAuthError, startCaptureServer, type CapturedRequest } from './test-support.js';

type Captured = CapturedRequest;
const opOf = (c: Captured) => String(c.headers['x-acs-action']);

// The SDK is CommonJS (`exports.default = Client`): under Node ESM the default import is the
// exports object, while vitest's interop already unwraps it. Accept both.
type FcClientClass = typeof fc20230330.default;
const FcClient: FcClientClass =
  (fc20230330 as unknown as { default?: FcClientClass }).default ?? (fc20230330 as unknown as FcClientClass);

const AK_ID = 'LTAItestKeyOne';
const AK_SECRET = 'test-secret-1:with-colon';
const TENANT = 'acme-1';
const keys = parseAccessKeys(` ${AK_ID} : ${AK_SECRET} : ${TENANT} , other:other-secret:other`);
const lookup = accessKeyLookup(keys);

const LIST_PREFIX = " a/b~c*d+e'f(g)!ü 中%";
const INVOKE_PAYLOAD = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

const captured: Captured[] = [];
let server: { port: number; close(): Promise<void> };
let port = 0;

function byOp(op: string): Captured {
  const c = captured.find((x) => opOf(x) === op);
  if (!c) throw new Error(`no captured request for ${op}`);
  return c;
}

function toVerify(c: Captured, patch: Partial<Acs3VerifyRequest> = {}): Acs3VerifyRequest {
  return { method: c.method, rawUrl: c.url, headers: { ...c.headers }, body: c.body, ...patch };
}

function nowFor(c: Captured, offsetMs = 2_000): Date {
  return new Date(Date.parse(String(c.headers['x-acs-date'])) + offsetMs);
}

beforeAll(async () => {
  server = await startCaptureServer(captured, (req, res) => {
    if (opOf(req) === 'InvokeFunction') {
      res.writeHead(202, { 'x-fc-request-id': 'req-1', 'x-fc-async-task-id': 'task-42' });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'x-fc-request-id': 'req-1' });
    res.end('{}');
  });
  port = server.port;

  const client = new FcClient(
    new $OpenApiUtil.Config({
      accessKeyId: AK_ID,
      accessKeySecret: AK_SECRET,
      endpoint: `127.0.0.1:${port}`,
      protocol: 'http',
      regionId: 'cn-hangzhou',
    }),
  );
  await client.getFunction('my-func', new $FC.GetFunctionRequest({ qualifier: 'LATEST' }));
  await client.listAsyncTasks(
    'my-func',
    new $FC.ListAsyncTasksRequest({
      prefix: LIST_PREFIX,
      limit: 10,
      includePayload: true,
      nextToken: 'tok/+==',
      status: 'Running',
      sortOrderByTime: 'desc',
    }),
  );
  await client.putAsyncInvokeConfig(
    'my-func',
    new $FC.PutAsyncInvokeConfigRequest({
      qualifier: 'prod',
      body: new $FC.PutAsyncInvokeConfigInput({
        asyncTask: true,
        maxAsyncRetryAttempts: 2,
        maxAsyncEventAgeInSeconds: 3600,
        destinationConfig: new $FC.DestinationConfig({
          onFailure: new $FC.Destination({ destination: 'acs:fc:cn-hangzhou:123:functions/dlq' }),
        }),
      }),
    }),
  );
  const invoke = await client.invokeFunctionWithOptions(
    'my-func',
    new $FC.InvokeFunctionRequest({ qualifier: 'LATEST', body: Readable.from(INVOKE_PAYLOAD) }),
    new $FC.InvokeFunctionHeaders({ xFcInvocationType: 'Async', xFcAsyncTaskId: 'task-42' }),
    new $dara.RuntimeOptions({}),
  );
  expect(invoke.statusCode).toBe(202);
  await client.stopAsyncTask('my-func', 'task-42', new $FC.StopAsyncTaskRequest({}));
  await client.createFunction(
    new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({
        functionName: 'new-func',
        runtime: 'nodejs20',
        handler: 'index.handler',
        description: 'ünïcödé "quoted" & <tags>',
        memorySize: 512,
        timeout: 60,
        environmentVariables: { A: '1', 'B C': 'x y' },
        code: new $FC.InputCodeLocation({ zipFile: Buffer.from('fake zip').toString('base64') }),
      }),
    }),
  );
  // A name with characters the SDK's path encoder treats specially ('*' once encoded, then left raw; '~').
  await client.getFunction('odd*name*~x(y)!', new $FC.GetFunctionRequest({}));
});

afterAll(() => server.close());

const OPS = [
  'GetFunction',
  'ListAsyncTasks',
  'PutAsyncInvokeConfig',
  'InvokeFunction',
  'StopAsyncTask',
  'CreateFunction',
] as const;

describe('official SDK requests (fc20230330) on the wire', () => {
  it('captured every operation', () => {
    expect(captured.map(opOf)).toEqual([...OPS.slice(0, 6), 'GetFunction']);
  });

  it('has the shape the SDK documents: ACS3 headers, ROA x-acs-action/version, host', () => {
    const list = byOp('ListAsyncTasks');
    expect(list.method).toBe('GET');
    // Query values encoded by querystring.stringify; "'" is re-escaped by url.parse.
    expect(list.url).toBe(
      '/2023-03-30/functions/my-func/async-tasks?includePayload=true&limit=10&nextToken=tok%2F%2B%3D%3D' +
        '&prefix=%20a%2Fb~c*d%2Be%27f(g)!%C3%BC%20%E4%B8%AD%25&sortOrderByTime=desc&status=Running',
    );
    expect(list.headers.host).toBe(`127.0.0.1:${port}`);
    expect(list.headers['x-acs-version']).toBe('2023-03-30');
    expect(list.headers['x-acs-credentials-provider']).toBe('static_ak');
    expect(list.headers['x-acs-date']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(list.headers['x-acs-signature-nonce']).toMatch(/^[0-9a-f]{64}$/);
    expect(list.headers['x-acs-content-sha256']).toBe(EMPTY_BODY_SHA256);
    expect(list.headers.authorization).toMatch(
      new RegExp(
        `^ACS3-HMAC-SHA256 Credential=${AK_ID},SignedHeaders=host;x-acs-action;x-acs-content-sha256;` +
          'x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=[0-9a-f]{64}$',
      ),
    );

    const invoke = byOp('InvokeFunction');
    expect(invoke.body.equals(INVOKE_PAYLOAD)).toBe(true);
    expect(invoke.headers['content-type']).toBe('application/octet-stream');
    expect(invoke.headers['x-fc-invocation-type']).toBe('Async');
    expect(invoke.headers['x-fc-async-task-id']).toBe('task-42');
    // x-fc-* headers are sent but NOT signed by the SDK (only host, content-type, x-acs-*).
    expect(invoke.headers.authorization).toContain(
      'SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;',
    );

    const put = byOp('PutAsyncInvokeConfig');
    expect(put.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(put.body.toString('utf8'))).toMatchObject({
      asyncTask: true,
      maxAsyncRetryAttempts: 2,
    });

    const stop = byOp('StopAsyncTask');
    expect(stop.method).toBe('PUT');
    expect(stop.body.length).toBe(0);
    expect(stop.headers['content-type']).toBeUndefined();
    expect(stop.headers['x-acs-content-sha256']).toBe(EMPTY_BODY_SHA256);

    const odd = captured[6]!;
    expect(odd.url).toBe('/2023-03-30/functions/odd%2Aname*~x(y)!');
  });

  it.each([0, 1, 2, 3, 4, 5, 6])(
    'verifyAcs3Request accepts captured request #%i and resolves the tenant',
    (i) => {
      const c = captured[i]!;
      const result = verifyAcs3Request(toVerify(c), lookup, nowFor(c));
      expect(result.accessKeyId).toBe(AK_ID);
      expect(result.tenant).toBe(TENANT);
      expect(result.nonce).toBe(c.headers['x-acs-signature-nonce']);
      expect(result.signedAt.getTime()).toBe(Date.parse(String(c.headers['x-acs-date'])));
    },
  );

  it.each([0, 1, 2, 3, 4, 5, 6])(
    'signAcs3Request reproduces the SDK Authorization byte for byte (#%i)',
    (i) => {
      const c = captured[i]!;
      const q = c.url.indexOf('?');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(c.headers)) {
        if (typeof v === 'string' && k !== 'authorization') headers[k] = v;
      }
      const signed = signAcs3Request(
        {
          method: c.method,
          path: q < 0 ? c.url : c.url.slice(0, q),
          query: q < 0 ? {} : parseQueryString(c.url.slice(q + 1)),
          headers,
          body: c.body,
        },
        { accessKeyId: AK_ID, accessKeySecret: AK_SECRET },
        {
          date: new Date(String(c.headers['x-acs-date'])),
          nonce: String(c.headers['x-acs-signature-nonce']),
        },
      );
      expect(signed.authorization).toBe(c.headers.authorization);
      expect(signed['x-acs-date']).toBe(c.headers['x-acs-date']);
      expect(signed['x-acs-signature-nonce']).toBe(c.headers['x-acs-signature-nonce']);
      expect(signed['x-acs-content-sha256']).toBe(c.headers['x-acs-content-sha256']);
    },
  );
});

describe('verifyAcs3Request rejections', () => {
  it('tampered body -> ContentSha256Mismatch (403)', () => {
    const c = byOp('InvokeFunction');
    const body = Buffer.from(c.body);
    body[10] = body[10]! ^ 0xff;
    expectAuthError(
      () => verifyAcs3Request(toVerify(c, { body }), lookup, nowFor(c)),
      'ContentSha256Mismatch',
      403,
    );

    const json = byOp('PutAsyncInvokeConfig');
    const evil = Buffer.from(
      json.body.toString('utf8').replace('"maxAsyncRetryAttempts":2', '"maxAsyncRetryAttempts":9'),
    );
    expectAuthError(
      () => verifyAcs3Request(toVerify(json, { body: evil }), lookup, nowFor(json)),
      'ContentSha256Mismatch',
    );
  });

  it('tampered body with a recomputed x-acs-content-sha256 -> SignatureNotMatch', () => {
    const c = byOp('PutAsyncInvokeConfig');
    const body = Buffer.from('{"asyncTask":false}');
    const headers = { ...c.headers, 'x-acs-content-sha256': require256(body) };
    expectAuthError(
      () => verifyAcs3Request(toVerify(c, { body, headers }), lookup, nowFor(c)),
      'SignatureNotMatch',
      403,
    );
  });

  it('tampered path -> SignatureNotMatch', () => {
    const c = byOp('GetFunction');
    const rawUrl = c.url.replace('/functions/my-func', '/functions/other-func');
    expect(rawUrl).not.toBe(c.url);
    expectAuthError(() => verifyAcs3Request(toVerify(c, { rawUrl }), lookup, nowFor(c)), 'SignatureNotMatch');
  });

  it('tampered method -> SignatureNotMatch', () => {
    const c = byOp('StopAsyncTask');
    expectAuthError(
      () => verifyAcs3Request(toVerify(c, { method: 'DELETE' }), lookup, nowFor(c)),
      'SignatureNotMatch',
    );
  });

  it('tampered query (changed, added or removed parameter) -> SignatureNotMatch', () => {
    const c = byOp('ListAsyncTasks');
    for (const rawUrl of [
      c.url.replace('limit=10', 'limit=11'),
      c.url.replace('status=Running', 'status=Failed'),
      `${c.url}&extra=1`,
      c.url.replace('&sortOrderByTime=desc', ''),
      c.url.replace('%20a%2Fb', '+a%2Fc'),
    ]) {
      expect(rawUrl).not.toBe(c.url);
      expectAuthError(
        () => verifyAcs3Request(toVerify(c, { rawUrl }), lookup, nowFor(c)),
        'SignatureNotMatch',
      );
    }
  });

  it('equivalent query encodings still verify (order, "+" for space, lower-case escapes)', () => {
    const c = byOp('ListAsyncTasks');
    const [path, query] = c.url.split('?') as [string, string];
    const reordered = `${path}?${query.split('&').reverse().join('&')}`;
    expect(verifyAcs3Request(toVerify(c, { rawUrl: reordered }), lookup, nowFor(c)).tenant).toBe(TENANT);
    const plus = c.url.replace('prefix=%20a', 'prefix=+a').replace('%C3%BC', '%c3%bc');
    expect(verifyAcs3Request(toVerify(c, { rawUrl: plus }), lookup, nowFor(c)).tenant).toBe(TENANT);
  });

  it('a changed signed header -> SignatureNotMatch', () => {
    const c = byOp('InvokeFunction');
    for (const [name, value] of [
      ['x-acs-action', 'DeleteFunction'],
      ['content-type', 'application/json'],
      ['host', 'evil.example:80'],
      ['x-acs-signature-nonce', 'f'.repeat(64)],
      [
        'x-acs-date',
        new Date(Date.parse(String(c.headers['x-acs-date'])) + 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
      ],
    ] as const) {
      const headers = { ...c.headers, [name]: value };
      expectAuthError(
        () => verifyAcs3Request(toVerify(c, { headers }), lookup, nowFor(c)),
        'SignatureNotMatch',
      );
    }
  });

  it('unsigned x-fc-* headers may change (the SDK does not sign them)', () => {
    const c = byOp('InvokeFunction');
    const headers = { ...c.headers, 'x-fc-invocation-type': 'Sync' };
    expect(verifyAcs3Request(toVerify(c, { headers }), lookup, nowFor(c)).tenant).toBe(TENANT);
  });

  it('an extra x-acs-* or content-type header that is not signed -> InvalidAuthorization (400)', () => {
    const c = byOp('GetFunction');
    expectAuthError(
      () =>
        verifyAcs3Request(toVerify(c, { headers: { ...c.headers, 'x-acs-extra': '1' } }), lookup, nowFor(c)),
      'InvalidAuthorization',
      400,
    );
    expectAuthError(
      () =>
        verifyAcs3Request(
          toVerify(c, { headers: { ...c.headers, 'content-type': 'text/plain' } }),
          lookup,
          nowFor(c),
        ),
      'InvalidAuthorization',
    );
  });

  it('unknown AccessKey ID -> InvalidAccessKeyID (403)', () => {
    const c = byOp('GetFunction');
    const authorization = String(c.headers.authorization).replace(
      `Credential=${AK_ID}`,
      'Credential=LTAInobody',
    );
    expectAuthError(
      () => verifyAcs3Request(toVerify(c, { headers: { ...c.headers, authorization } }), lookup, nowFor(c)),
      'InvalidAccessKeyID',
      403,
    );
    expectAuthError(() => verifyAcs3Request(toVerify(c), () => undefined, nowFor(c)), 'InvalidAccessKeyID');
  });

  it('wrong secret -> SignatureNotMatch', () => {
    const c = byOp('CreateFunction');
    const wrong: AccessKeyLookup = (id) =>
      id === AK_ID ? { secret: 'not-the-secret', tenant: TENANT } : undefined;
    expectAuthError(() => verifyAcs3Request(toVerify(c), wrong, nowFor(c)), 'SignatureNotMatch', 403);
  });

  it('date 16 minutes old (or ahead) -> RequestTimeTooSkewed (403); 15 minutes is still accepted', () => {
    const c = byOp('GetFunction');
    const min = 60_000;
    expectAuthError(
      () => verifyAcs3Request(toVerify(c), lookup, nowFor(c, 16 * min)),
      'RequestTimeTooSkewed',
      403,
    );
    expectAuthError(
      () => verifyAcs3Request(toVerify(c), lookup, nowFor(c, -16 * min)),
      'RequestTimeTooSkewed',
    );
    expect(verifyAcs3Request(toVerify(c), lookup, nowFor(c, 15 * min)).tenant).toBe(TENANT);
    expectAuthError(
      () => verifyAcs3Request(toVerify(c), lookup, nowFor(c, 61_000), 60_000),
      'RequestTimeTooSkewed',
    );
  });

  it('a request signed 16 minutes ago by signAcs3Request -> RequestTimeTooSkewed', () => {
    const now = new Date('2025-06-01T12:00:00Z');
    const headers = { host: '127.0.0.1:9000' };
    const signed = signAcs3Request(
      { method: 'GET', path: '/2023-03-30/functions/f', query: {}, headers, body: undefined },
      { accessKeyId: AK_ID, accessKeySecret: AK_SECRET },
      { date: new Date(now.getTime() - 16 * 60_000), nonce: 'n-1' },
    );
    const req = {
      method: 'GET',
      rawUrl: '/2023-03-30/functions/f',
      headers: { ...headers, ...signed },
      body: Buffer.alloc(0),
    };
    expectAuthError(() => verifyAcs3Request(req, lookup, now), 'RequestTimeTooSkewed');
    expect(verifyAcs3Request(req, lookup, new Date(now.getTime() - 16 * 60_000)).nonce).toBe('n-1');
  });

  it('missing Authorization -> MissingAuthorization (401)', () => {
    const c = byOp('GetFunction');
    const headers = { ...c.headers };
    delete headers.authorization;
    expectAuthError(
      () => verifyAcs3Request(toVerify(c, { headers }), lookup, nowFor(c)),
      'MissingAuthorization',
      401,
    );
  });

  it('missing signing headers -> MissingRequiredHeader (400)', () => {
    const c = byOp('GetFunction');
    for (const name of ['x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256', 'host']) {
      const headers = { ...c.headers };
      delete headers[name];
      expectAuthError(
        () => verifyAcs3Request(toVerify(c, { headers }), lookup, nowFor(c)),
        'MissingRequiredHeader',
        400,
      );
    }
  });

  it('malformed Authorization or other algorithms -> InvalidAuthorization (400)', () => {
    const c = byOp('GetFunction');
    for (const authorization of [
      'acs LTAItestKeyOne:abc=', // ROA v1 (signatureAlgorithm "v2" in the SDK)
      'ACS3-HMAC-SM3 Credential=x,SignedHeaders=host,Signature=00',
      'ACS3-HMAC-SHA256 Credential=x,Signature=00',
      'ACS3-HMAC-SHA256 garbage',
      `ACS3-HMAC-SHA256 Credential=${AK_ID},SignedHeaders=host;X-Acs-Date,Signature=00`,
      `ACS3-HMAC-SHA256 Credential=${AK_ID},SignedHeaders=host;x-acs-date,Signature=00`,
    ]) {
      expectAuthError(
        () => verifyAcs3Request(toVerify(c, { headers: { ...c.headers, authorization } }), lookup, nowFor(c)),
        'InvalidAuthorization',
        400,
      );
    }
    expectAuthError(
      () =>
        verifyAcs3Request(
          toVerify(c, { headers: { ...c.headers, 'x-acs-date': 'yesterday' } }),
          lookup,
          nowFor(c),
        ),
      'InvalidAuthorization',
    );
  });

  it('a non-hex or truncated signature -> SignatureNotMatch', () => {
    const c = byOp('GetFunction');
    const auth = String(c.headers.authorization);
    for (const authorization of [auth.slice(0, -2), auth.replace(/Signature=[0-9a-f]{2}/, 'Signature=zz')]) {
      expectAuthError(
        () => verifyAcs3Request(toVerify(c, { headers: { ...c.headers, authorization } }), lookup, nowFor(c)),
        'SignatureNotMatch',
      );
    }
  });
});

describe('signAcs3Request round trips', () => {
  const creds = { accessKeyId: AK_ID, accessKeySecret: AK_SECRET };
  const date = new Date('2025-01-02T03:04:05.678Z');

  it('formats the date like the SDK and signs host/content-type/x-acs-* only', () => {
    const signed = signAcs3Request(
      {
        method: 'POST',
        path: '/2023-03-30/functions/f/invocations',
        query: { qualifier: 'LATEST' },
        headers: {
          Host: 'h:1',
          'Content-Type': 'application/octet-stream',
          'X-Fc-Invocation-Type': 'Async',
          'x-acs-action': 'InvokeFunction',
        },
        body: 'hello',
      },
      creds,
      { date, nonce: 'abc' },
    );
    expect(signed['x-acs-date']).toBe('2025-01-02T03:04:05Z');
    expect(signed['x-acs-content-sha256']).toBe(require256(Buffer.from('hello')));
    expect(signed.authorization).toMatch(
      /^ACS3-HMAC-SHA256 Credential=LTAItestKeyOne,SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce,Signature=[0-9a-f]{64}$/,
    );
  });

  it('verifies repeated query keys, empty values and special characters', () => {
    const query = { tag: ['b', 'a'], empty: '', 'sp ace': 'x y', uni: '中*~' };
    const path = '/2023-03-30/functions/f/async-tasks';
    const headers = { host: '127.0.0.1:9000' };
    const signed = signAcs3Request({ method: 'GET', path, query, headers }, creds, { date, nonce: 'n' });
    const rawUrl = `${path}?tag=b&tag=a&empty&sp%20ace=x+y&uni=%E4%B8%AD*~`;
    const res = verifyAcs3Request(
      { method: 'GET', rawUrl, headers: { ...headers, ...signed }, body: Buffer.alloc(0) },
      lookup,
      date,
    );
    expect(res.tenant).toBe(TENANT);
  });

  it('requires a host header and a path', () => {
    expect(() =>
      signAcs3Request({ method: 'GET', path: '/x', headers: {} }, creds, { date, nonce: 'n' }),
    ).toThrow(/host/);
    expect(() =>
      signAcs3Request({ method: 'GET', path: 'x', headers: { host: 'h' } }, creds, { date, nonce: 'n' }),
    ).toThrow(/path/);
  });
});

describe('errors', () => {
  it('lists every code once with its HTTP status', () => {
    const codes = [...AUTH_ERROR_CODES];
    expect(new Set(codes).size).toBe(codes.length);
    expect(Object.fromEntries(AUTH_ERROR_CODES.map((code) => [code, ERRORS[code].status]))).toEqual({
      MissingAuthorization: 401,
      InvalidAuthorization: 400,
      MissingRequiredHeader: 400,
      InvalidAccessKeyID: 403,
      SignatureNotMatch: 403,
      ContentSha256Mismatch: 403,
      ContentMd5Mismatch: 403,
      RequestTimeTooSkewed: 403,
      SignatureNonceUsed: 403,
      InvalidAccessKeySecret: 403,
      InvalidSession: 401,
      CsrfTokenMismatch: 403,
    });
  });

  it('builds the nonce replay error and keeps a cause', () => {
    const e = signatureNonceUsedError();
    expect(e).toBeInstanceOf(AuthError);
    expect(e).toBeInstanceOf(Error);
    expect([e.code, e.httpStatus, e.name]).toEqual(['SignatureNonceUsed', 403, 'AuthError']);
    const cause = new Error('root');
    expect(new AuthError('SignatureNotMatch', 'x', { cause }).cause).toBe(cause);
  });
});

describe('parseAccessKeys', () => {
  it('parses the default local key', () => {
    expect([...parseAccessKeys(DEFAULT_LOCAL_ACCESS_KEYS)]).toEqual([
      ['LTAIasyncfnLocalKey', { secret: 'asyncfnLocalSecret', tenant: 'default' }],
    ]);
  });

  it('tolerates whitespace, newlines and empty entries; secrets may contain ":"', () => {
    const m = parseAccessKeys(' a : s1 : t1 ,\n b:s:2:T-2 , ');
    expect(m.get('a')).toEqual({ secret: 's1', tenant: 't1' });
    expect(m.get('b')).toEqual({ secret: 's:2', tenant: 'T-2' });
    expect(m.size).toBe(2);
  });

  it.each([
    ['a:s1:t1,onlytwo:SECRETX', /entry #2 is malformed/],
    ['a:s1:t1,b:SECRETX:-bad', /entry #2 has an invalid tenant/],
    ['a:SECRETX:t_1', /entry #1 has an invalid tenant/],
    [`a:SECRETX:${'t'.repeat(64)}`, /entry #1 has an invalid tenant/],
    ['a:SECRETX:t,a:SECRETY:u', /entry #2 repeats access key id "a"/],
    ['bad id:SECRETX:t', /entry #1 has an invalid access key id/],
    ['a::t', /entry #1 has an empty secret/],
    ['', /no entries/],
    [' , ', /no entries/],
  ])('rejects %j', (value, message) => {
    let err: unknown;
    try {
      parseAccessKeys(value);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toMatch(/SECRET/);
  });

  it('accepts 63-character tenant ids', () => {
    expect(parseAccessKeys(`a:s:${'t'.repeat(63)}`).get('a')?.tenant).toHaveLength(63);
  });
});

/** SHA-256 hex computed independently of the module under test. */
function require256(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}
