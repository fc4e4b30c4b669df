import { randomBytes } from 'node:crypto';
import fc20230330, * as $FC from '@alicloud/fc20230330';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
import { Readable } from 'node:stream';
import { signAcs3Request } from '@asyncfn/auth';
import { zipFiles } from '@asyncfn/runtime';

export { $FC };

type FcClientClass = typeof fc20230330.default;
// The SDK is CommonJS: under Node ESM its default export may arrive wrapped once more.
const FcClient: FcClientClass =
  (fc20230330 as unknown as { default?: FcClientClass }).default ?? (fc20230330 as unknown as FcClientClass);
export type FcClient = InstanceType<FcClientClass>;

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
}

export const LOCAL_KEY: Credentials = {
  accessKeyId: 'LTAIasyncfnLocalKey',
  accessKeySecret: 'asyncfnLocalSecret',
};

/** FC's official SDK pointed at an asyncfn ingress. */
export function fcClient(baseUrl: string, creds: Credentials = LOCAL_KEY): FcClient {
  const url = new URL(baseUrl);
  return new FcClient(
    // Generous timeouts: on a loaded 2-core machine a call can take seconds, and an SDK retry of a
    // create that did succeed would come back 409.
    new $OpenApiUtil.Config({
      ...creds,
      endpoint: url.host,
      protocol: 'http',
      regionId: 'cn-hangzhou',
      readTimeout: 30_000,
      connectTimeout: 10_000,
    }),
  );
}

/** InvokeFunction with FC's headers (the plain SDK method cannot set them). */
export async function invokeAsync(
  client: FcClient,
  functionName: string,
  body: Buffer | string,
  headers: { taskId?: string; delaySeconds?: number } = {},
) {
  const request = new $FC.InvokeFunctionRequest({ body: Readable.from([Buffer.from(body)]) });
  const h = new $FC.InvokeFunctionHeaders({
    xFcInvocationType: 'Async',
    ...(headers.taskId ? { xFcAsyncTaskId: headers.taskId } : {}),
    commonHeaders:
      headers.delaySeconds !== undefined ? { 'x-fc-async-delay': String(headers.delaySeconds) } : {},
  });
  return client.invokeFunctionWithOptions(functionName, request, h, new $dara.RuntimeOptions({}));
}

/** A signed request with fetch, for what the SDK cannot send (malformed bodies, odd headers). */
export async function signedFetch(
  baseUrl: string,
  method: string,
  path: string,
  options: {
    query?: Record<string, string>;
    headers?: Record<string, string>;
    body?: Buffer | string;
    creds?: Credentials;
    date?: Date;
  } = {},
): Promise<Response> {
  const url = new URL(path, baseUrl);
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const headers: Record<string, string> = {
    host: url.host,
    ...(body ? { 'content-type': 'application/json' } : {}),
    ...options.headers,
  };
  const signed = signAcs3Request(
    { method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body },
    options.creds ?? LOCAL_KEY,
    { date: options.date ?? new Date(), nonce: randomBytes(32).toString('hex') },
  );
  return fetch(url, { method, headers: { ...headers, ...signed }, ...(body ? { body } : {}) });
}

/** CreateFunction through the SDK: a Node.js function whose index.js is `source` (plus `files`). */
export async function createNodeFunction(
  client: FcClient,
  name: string,
  source: string,
  extra: Partial<$FC.CreateFunctionInput> = {},
  files: Record<string, string> = {},
): Promise<void> {
  await client.createFunction(
    new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({
        functionName: name,
        runtime: 'nodejs20',
        handler: 'index.handler',
        code: new $FC.InputCodeLocation({ zipFile: nodeFunctionZip(source, files) }),
        ...extra,
      }),
    }),
  );
}

/** A zip of a Node function, base64 as FC's code.zipFile. */
export function nodeFunctionZip(source: string, extra: Record<string, string> = {}): string {
  return zipFiles({ 'index.js': source, ...extra }).toString('base64');
}

export async function eventually<T>(
  fn: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
}
