import { randomUUID } from 'node:crypto';
import { signAcs3Request } from '@asyncfn/auth';
import { CliError, FcError } from './errors.js';
import type { Profile } from './profile.js';

export const API = '/2023-03-30';

type Query = Record<string, string | number | boolean | undefined>;

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  text(): string;
  json<T>(): T;
}

/** The asyncfn (FC 3.0) API, signed with ACS3-HMAC-SHA256 as FC's SDK signs. */
export interface ApiClient {
  readonly endpoint: string;
  request(
    method: string,
    path: string,
    options?: { query?: Query; headers?: Record<string, string>; body?: Buffer | string | object },
  ): Promise<ApiResponse>;
  /** JSON in, JSON out, for the plain API calls. */
  call<T>(method: string, path: string, options?: { query?: Query; body?: object }): Promise<T>;
}

export function createClient(profile: Profile, timeoutMs = 60_000): ApiClient {
  const client: ApiClient = {
    endpoint: profile.endpoint,
    async request(method, path, options = {}) {
      const url = new URL(API + path, profile.endpoint);
      for (const [k, v] of Object.entries(options.query ?? {})) {
        if (v !== undefined) url.searchParams.set(k, String(v));
      }
      const raw = options.body;
      const body =
        raw === undefined
          ? undefined
          : Buffer.isBuffer(raw) || typeof raw === 'string'
            ? Buffer.from(raw)
            : Buffer.from(JSON.stringify(raw));
      const headers: Record<string, string> = {
        host: url.host,
        ...(body
          ? {
              'content-type':
                typeof raw === 'object' && !Buffer.isBuffer(raw)
                  ? 'application/json'
                  : 'application/octet-stream',
            }
          : {}),
        ...options.headers,
      };
      const signed = signAcs3Request(
        { method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body },
        { accessKeyId: profile.accessKeyId, accessKeySecret: profile.accessKeySecret },
        { date: new Date(), nonce: randomUUID() },
      );
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: { ...headers, ...signed },
          ...(body ? { body } : {}),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        const why = cause?.code ?? cause?.message ?? (err as Error).message;
        throw new CliError(`cannot reach ${profile.endpoint} (${why}); is asyncfn running? (npm run up)`);
      }
      const bytes = Buffer.from(await res.arrayBuffer());
      const response: ApiResponse = {
        status: res.status,
        headers: res.headers,
        body: bytes,
        text: () => bytes.toString('utf8'),
        json: <T>() => JSON.parse(bytes.toString('utf8')) as T,
      };
      if (res.status >= 400) throw toFcError(response);
      return response;
    },
    async call<T>(method: string, path: string, options: { query?: Query; body?: object } = {}) {
      const res = await client.request(method, path, options);
      return (res.body.length ? res.json<T>() : undefined) as T;
    },
  };
  return client;
}

function toFcError(res: ApiResponse): FcError {
  try {
    const e = res.json<{ Code?: string; Message?: string; RequestId?: string }>();
    if (e.Code) return new FcError(e.Code, e.Message ?? '', res.status, e.RequestId);
  } catch {
    // not JSON: a proxy or another server answered
  }
  return new FcError(
    `HTTP${res.status}`,
    res.text().slice(0, 200) || 'no body',
    res.status,
    res.headers.get('x-fc-request-id') ?? undefined,
  );
}
