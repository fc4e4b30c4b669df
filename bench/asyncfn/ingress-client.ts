import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import {
  DEFAULT_LOCAL_ACCESS_KEY_ID,
  DEFAULT_LOCAL_ACCESS_KEY_SECRET,
  signAcs3Request,
  type Acs3Credentials,
} from '@asyncfn/auth';

/*
 * The load generator's HTTP client: keep-alive connections (an undici Pool) and every request
 * signed as FC's SDK signs it (ACS3-HMAC-SHA256), with a fresh nonce each, so the ingress does
 * its full work per request: signature check, nonce claim, validation, acceptance.
 */

export const API = '/2023-03-30';

const CREDS: Acs3Credentials = {
  accessKeyId: DEFAULT_LOCAL_ACCESS_KEY_ID,
  accessKeySecret: DEFAULT_LOCAL_ACCESS_KEY_SECRET,
};

export interface Answer {
  status: number;
  body: string;
}

export interface IngressClient {
  /** POST .../invocations with x-fc-invocation-type: Async and the given task id. */
  invokeAsync(functionName: string, taskId: string, payload: Buffer): Promise<Answer>;
  /** Any signed JSON request (function and async-config management). */
  request(method: string, path: string, body?: unknown): Promise<Answer>;
  close(): Promise<void>;
}

export function createIngressClient(baseUrl: string, connections: number): IngressClient {
  const url = new URL(baseUrl);
  const pool = new Pool(url.origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });

  async function send(method: string, path: string, headers: Record<string, string>, body?: Buffer) {
    const all: Record<string, string> = { host: url.host, ...headers };
    const signed = signAcs3Request({ method, path, query: {}, headers: all, body }, CREDS, {
      date: new Date(),
      nonce: randomBytes(16).toString('hex'),
    });
    const res = await pool.request({
      method: method as 'GET',
      path,
      headers: { ...all, ...signed },
      ...(body ? { body } : {}),
    });
    return { status: res.statusCode, body: await res.body.text() };
  }

  return {
    invokeAsync(functionName, taskId, payload) {
      return send(
        'POST',
        `${API}/functions/${functionName}/invocations`,
        {
          'content-type': 'application/octet-stream',
          'x-fc-invocation-type': 'Async',
          'x-fc-async-task-id': taskId,
        },
        payload,
      );
    },
    request(method, path, body) {
      return send(
        method,
        path,
        body === undefined ? {} : { 'content-type': 'application/json' },
        body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
      );
    },
    async close() {
      await pool.close();
    },
  };
}
