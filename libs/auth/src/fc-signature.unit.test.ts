import { createRequire } from 'node:module';
import FcOpen, * as $FC2 from '@alicloud/fc-open20210406';
import * as $OpenApi from '@alicloud/openapi-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessKeyLookup,
  fcStringToSign,
  isFcAuthorization,
  parseAccessKeys,
  signFcRequest,
  verifyAcs3Request,
  verifyFcRequest,
} from './index.js';
import type { FcVerifyRequest } from './index.js';
import { expectAuthError, startCaptureServer, type CapturedRequest } from './test-support.js';

/*
 * FC 2.0's `FC <id>:<signature>` scheme, checked against the requests FC's own 2.0 SDKs send:
 * `@alicloud/fc2` signs with it; `@alicloud/fc-open20210406` (the 2021-04-06 SDK) signs with ACS3
 * by default, which the ACS3 verifier already covers and is checked here on 2.0's paths too.
 */

type Captured = CapturedRequest;

interface Fc2Client {
  version: string;
  createService(name: string, options?: Record<string, unknown>): Promise<unknown>;
  getService(name: string): Promise<unknown>;
  invokeFunction(
    s: string,
    f: string,
    event: string | Buffer,
    headers?: Record<string, string>,
  ): Promise<unknown>;
  putFunctionAsyncConfig(s: string, f: string, q: string, options: Record<string, unknown>): Promise<unknown>;
  listServices(options: Record<string, unknown>): Promise<unknown>;
}
type Fc2ClientClass = new (
  accountId: string,
  config: { accessKeyID: string; accessKeySecret: string; region: string; endpoint: string },
) => Fc2Client;
// @alicloud/fc2 is CommonJS without type declarations.
const Fc2Client = createRequire(import.meta.url)('@alicloud/fc2') as Fc2ClientClass;
type FcOpenClass = typeof FcOpen.default;
const FcOpenClient: FcOpenClass =
  (FcOpen as unknown as { default?: FcOpenClass }).default ?? (FcOpen as unknown as FcOpenClass);

const AK_ID = 'LTAIfc2Key';
const AK_SECRET = 'fc2-secret:with-colon';
const lookup = accessKeyLookup(parseAccessKeys(`${AK_ID}:${AK_SECRET}:acme,other:other-secret:other`));

const captured: Captured[] = [];
let server: { port: number; close(): Promise<void> };
let port = 0;

const toVerify = (c: Captured, patch: Partial<FcVerifyRequest> = {}): FcVerifyRequest => ({
  method: c.method,
  rawUrl: c.url,
  headers: { ...c.headers },
  body: c.body,
  ...patch,
});
const signedAt = (c: Captured) => new Date(Date.parse(String(c.headers.date)) + 1_000);
const find = (predicate: (c: Captured) => boolean): Captured => {
  const c = captured.find(predicate);
  if (!c) throw new Error('request not captured');
  return c;
};

beforeAll(async () => {
  server = await startCaptureServer(captured, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-fc-request-id': 'r-1' });
    res.end('{}');
  });
  port = server.port;

  const fc2 = new Fc2Client('123456', {
    accessKeyID: AK_ID,
    accessKeySecret: AK_SECRET,
    region: 'cn-hangzhou',
    endpoint: `http://127.0.0.1:${port}`,
  });
  fc2.version = '2021-04-06';
  await fc2.createService('svc-1', { description: 'über ✓' });
  await fc2.getService('svc 2');
  await fc2.invokeFunction('svc-1', 'fn-1', Buffer.from([0, 1, 2, 255]), {
    'x-fc-invocation-type': 'Async',
    'x-fc-stateful-async-invocation-id': 'inv-1',
  });
  await fc2.listServices({ limit: 5, prefix: 'a b' });
});

afterAll(() => server.close());

describe('FC 2.0 signature (FC <id>:<signature>) against @alicloud/fc2 requests', () => {
  it('accepts what the SDK sends: create with a JSON body, a GET, an invocation with x-fc-* headers, a query', () => {
    expect(captured.length).toBeGreaterThanOrEqual(4);
    for (const c of captured.slice(0, 4)) {
      expect(isFcAuthorization(String(c.headers.authorization))).toBe(true);
      const result = verifyFcRequest(toVerify(c), lookup, signedAt(c));
      expect(result).toMatchObject({ accessKeyId: AK_ID, tenant: 'acme' });
    }
  });

  it('signs the same Authorization value the SDK sent', () => {
    const c = find((x) => x.method === 'POST' && x.url.endsWith('/invocations'));
    const headers = Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k, String(v)]));
    expect(
      signFcRequest(
        { method: 'POST', path: c.url, headers },
        { accessKeyId: AK_ID, accessKeySecret: AK_SECRET },
      ),
    ).toBe(c.headers.authorization);
    expect(fcStringToSign('POST', c.url, c.headers)).toContain('x-fc-stateful-async-invocation-id:inv-1\n');
  });

  it('covers the decoded path: a percent-encoded name verifies, another path does not', () => {
    const c = find((x) => x.method === 'GET' && x.url.includes('svc'));
    expect(c.url).toContain('svc%202');
    expect(() => verifyFcRequest(toVerify(c), lookup, signedAt(c))).not.toThrow();
    expectAuthError(
      () =>
        verifyFcRequest(toVerify(c, { rawUrl: c.url.replace('svc%202', 'svc%203') }), lookup, signedAt(c)),
      'SignatureNotMatch',
      403,
    );
  });

  it('rejects a changed x-fc-* header, a changed body (Content-MD5), a wrong secret, an unknown key, an old date', () => {
    const c = find((x) => x.method === 'POST' && x.url.endsWith('/invocations'));
    expectAuthError(
      () =>
        verifyFcRequest(
          toVerify(c, { headers: { ...c.headers, 'x-fc-stateful-async-invocation-id': 'inv-2' } }),
          lookup,
          signedAt(c),
        ),
      'SignatureNotMatch',
      403,
    );
    expectAuthError(
      () => verifyFcRequest(toVerify(c, { body: Buffer.from('tampered') }), lookup, signedAt(c)),
      'ContentMd5Mismatch',
      403,
    );
    const wrongSecret = accessKeyLookup(parseAccessKeys(`${AK_ID}:nope:acme`));
    expectAuthError(() => verifyFcRequest(toVerify(c), wrongSecret, signedAt(c)), 'SignatureNotMatch', 403);
    const unknown = accessKeyLookup(parseAccessKeys('someone:else:acme'));
    expectAuthError(() => verifyFcRequest(toVerify(c), unknown, signedAt(c)), 'InvalidAccessKeyID', 403);
    const late = new Date(signedAt(c).getTime() + 16 * 60_000);
    expectAuthError(() => verifyFcRequest(toVerify(c), lookup, late), 'RequestTimeTooSkewed', 403);
  });

  it('answers 401 without Authorization and 400 for a malformed one or a missing Date', () => {
    const c = captured[0]!;
    const { authorization: _a, ...noAuth } = c.headers;
    expectAuthError(
      () => verifyFcRequest(toVerify(c, { headers: noAuth }), lookup, signedAt(c)),
      'MissingAuthorization',
      401,
    );
    expectAuthError(
      () =>
        verifyFcRequest(
          toVerify(c, { headers: { ...c.headers, authorization: 'FC nocolon' } }),
          lookup,
          signedAt(c),
        ),
      'InvalidAuthorization',
      400,
    );
    const { date: _d, ...noDate } = c.headers;
    expectAuthError(
      () => verifyFcRequest(toVerify(c, { headers: noDate }), lookup, signedAt(c)),
      'MissingRequiredHeader',
      400,
    );
  });
});

describe('the 2021-04-06 SDK (@alicloud/fc-open20210406)', () => {
  it('signs with ACS3 by default, which the ACS3 verifier accepts on the 2.0 paths', async () => {
    const start = captured.length;
    const client = new FcOpenClient(
      new $OpenApi.Config({
        accessKeyId: AK_ID,
        accessKeySecret: AK_SECRET,
        endpoint: `127.0.0.1:${port}`,
        protocol: 'http',
        regionId: 'cn-hangzhou',
      }),
    );
    await client.getStatefulAsyncInvocation(
      'svc',
      'fn',
      'inv-9',
      new $FC2.GetStatefulAsyncInvocationRequest({}),
    );
    const c = captured[start]!;
    expect(c.url).toBe('/2021-04-06/services/svc/functions/fn/stateful-async-invocations/inv-9');
    expect(String(c.headers.authorization)).toMatch(/^ACS3-HMAC-SHA256 /);
    const verified = verifyAcs3Request(
      { method: c.method, rawUrl: c.url, headers: c.headers, body: c.body },
      lookup,
      new Date(Date.parse(String(c.headers['x-acs-date'])) + 1_000),
    );
    expect(verified.tenant).toBe('acme');
  });
});
