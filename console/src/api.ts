/**
 * The console talks to the same FC 3.0 API as every client, with its session cookie instead of a
 * signature (the browser sends the cookie; the page adds the CSRF token to every change).
 */
export const API = '/2023-03-30';
const SESSION = '/console/api/session';

export interface Session {
  tenant: string;
  accessKeyId: string;
  csrfToken: string;
  expiresAt: number;
}

/** An FC-style error: `{Code, Message, RequestId}` and the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

let csrfToken = '';
/** The session's CSRF token, for what cannot send the header (a WebSocket takes it as a subprotocol). */
export const currentCsrfToken = () => csrfToken;
/** Called when the server says the session is gone: the app shows the sign-in page. */
let onSignedOut: () => void = () => {};
export function onSessionLost(handler: () => void): void {
  onSignedOut = handler;
}

async function failure(res: Response): Promise<ApiError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { Code?: string; Message?: string; RequestId?: string };
    if (body.Code) return new ApiError(res.status, body.Code, body.Message ?? '', body.RequestId);
  } catch {
    // not JSON: fall through
  }
  return new ApiError(res.status, `HTTP${res.status}`, text.slice(0, 300) || res.statusText);
}

export interface RequestOptions {
  body?: BodyInit | object;
  headers?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
}

export async function request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
  const query = Object.entries(options.query ?? {}).filter(([, v]) => v !== undefined && v !== '');
  const url = `${path}${query.length ? `?${new URLSearchParams(query as [string, string][])}` : ''}`;
  const headers: Record<string, string> = { ...options.headers };
  if (method !== 'GET' && method !== 'HEAD') headers['x-asyncfn-csrf'] = csrfToken;
  let body = options.body as BodyInit | undefined;
  if (options.body !== undefined && isPlainObject(options.body)) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(url, { method, headers, body, credentials: 'same-origin' });
  if (!res.ok) {
    const error = await failure(res);
    if (error.code === 'InvalidSession' && path !== SESSION) onSignedOut();
    throw error;
  }
  return res;
}

function isPlainObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

export async function json<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
  const res = await request(method, path, options);
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const get = <T>(path: string, query?: RequestOptions['query']) => json<T>('GET', path, { query });

export async function signIn(accessKeyId: string, accessKeySecret: string): Promise<Session> {
  const session = await json<Session>('POST', SESSION, { body: { accessKeyId, accessKeySecret } });
  csrfToken = session.csrfToken;
  return session;
}

export async function currentSession(): Promise<Session | undefined> {
  try {
    const session = await json<Session>('GET', SESSION);
    csrfToken = session.csrfToken;
    return session;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return undefined;
    throw err;
  }
}

export async function signOut(): Promise<void> {
  await request('DELETE', SESSION);
  csrfToken = '';
}

export const fnPath = (fn: string) => `${API}/functions/${encodeURIComponent(fn)}`;
export const taskPath = (fn: string, id: string) => `${fnPath(fn)}/async-tasks/${encodeURIComponent(id)}`;
