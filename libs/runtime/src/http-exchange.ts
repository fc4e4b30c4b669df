import http from 'node:http';
import net from 'node:net';
import type { FunctionError, FunctionMeta } from './protocol.js';

/**
 * One request to a custom runtime's HTTP server and what its answer means in FC's terms: the
 * per-request headers FC sends, the status a runtime may declare in `x-fc-status`, and the error
 * shape of a failed answer. Also the warm-up retry of connections a port forward loses at first.
 */

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Between polls of a starting server and between warm-up retries. */
export const READY_POLL_MS = 25;
const MAX_ERROR_TEXT = 2048;
/**
 * Until the instance has answered once, a connection refused or reset before any answer is
 * retried this often, READY_POLL_MS apart: pasta (Debian 12's 2023 build) can accept on the host
 * port and then reset the first connections while its forward into the namespace settles, though
 * the server already listens there. A server that never answers still fails after ~1 s.
 */
const WARMUP_RETRIES = 40;
const WARMUP_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE']);

export interface FcHttpClientOptions {
  port: number;
  agent: http.Agent;
  /** FC's headers describing the function, as of the request (see `fcHeaders`). */
  functionHeaders(): Record<string, string>;
  /** The instance is still there (not closed, process alive): only then is a request retried. */
  isAlive(): boolean;
}

/** POSTs to 127.0.0.1:`port`; a connection lost before the server's first answer is retried. */
export function createFcHttpClient(o: FcHttpClientOptions): {
  post(path: string, headers: Record<string, string>, body?: Uint8Array): Promise<Reply>;
} {
  let answeredOnce = false;

  function post(path: string, headers: Record<string, string>, body?: Uint8Array): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: o.port,
          path,
          method: 'POST',
          agent: o.agent,
          headers: {
            ...o.functionHeaders(),
            ...headers,
            'content-type': 'application/octet-stream',
            'content-length': String(body?.byteLength ?? 0),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: statusOf(res), headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  return {
    async post(path, headers, body) {
      for (let attempt = 0; ; attempt++) {
        try {
          const reply = await post(path, headers, body);
          answeredOnce = true;
          return reply;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? '';
          const retry = !answeredOnce && WARMUP_ERRORS.has(code) && attempt < WARMUP_RETRIES;
          if (!retry || !o.isAlive()) throw err;
          await new Promise((r) => setTimeout(r, READY_POLL_MS));
        }
      }
    },
  };
}

/** FC's per-request headers describing the function. */
export function fcHeaders(fn: FunctionMeta, tenant: string): Record<string, string> {
  return {
    'x-fc-function-name': fn.name,
    'x-fc-function-handler': fn.handler,
    'x-fc-function-memory': String(fn.memory),
    'x-fc-function-timeout': String(fn.timeout),
    'x-fc-account-id': tenant,
  };
}

/** FC lets a custom runtime report a function error with `x-fc-status` on an HTTP 200. */
export function statusOf(res: Pick<http.IncomingMessage, 'headers' | 'statusCode'>): number {
  const declared = Number(res.headers['x-fc-status']);
  return Number.isInteger(declared) && declared > 0 ? declared : (res.statusCode ?? 0);
}

/**
 * undefined for a 2xx answer; otherwise FC's error shape, from a JSON body `{errorType,
 * errorMessage}` when there is one, else from the status and the body's text.
 */
export function failure(r: Reply | Error, what: string): FunctionError | undefined {
  if (r instanceof Error) {
    return {
      errorType: 'ConnectionError',
      errorMessage: `${what}: connection lost without an answer (${r.message})`,
    };
  }
  if (r.status >= 200 && r.status < 300) return undefined;
  const text = r.body.toString('utf8').slice(0, MAX_ERROR_TEXT).trim();
  const declaredType = r.headers['x-fc-error-type'];
  const error: FunctionError = {
    errorType: typeof declaredType === 'string' && declaredType ? declaredType : 'UnhandledInvocationError',
    errorMessage: `HTTP ${r.status}${text ? `: ${text}` : ''}`,
  };
  try {
    const json = JSON.parse(text) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof json.errorMessage === 'string') error.errorMessage = json.errorMessage;
    if (typeof json.errorType === 'string') error.errorType = json.errorType;
  } catch {
    // not JSON: the text stands
  }
  return error;
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
