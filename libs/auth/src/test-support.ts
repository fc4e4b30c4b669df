/** Helpers for this package's tests: a server that records what an SDK sends, AuthError checks. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { AuthError } from './errors.js';

/** One request as the server received it, byte for byte. */
export interface CapturedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A loopback server that appends every request to `captured` and answers it with `answer`, so a
 * real SDK client can be pointed at it and its signed requests verified afterwards.
 */
export async function startCaptureServer(
  captured: CapturedRequest[],
  answer: (req: CapturedRequest, res: http.ServerResponse) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      captured.push(request);
      answer(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Runs `fn` and expects it to throw an AuthError with `code` (and `status`, when given). */
export function expectAuthError(fn: () => unknown, code: string, status?: number): AuthError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AuthError);
    const err = e as AuthError;
    expect(err.code).toBe(code);
    expect(err.name).toBe('AuthError');
    if (status !== undefined) expect(err.httpStatus).toBe(status);
    return err;
  }
  throw new Error(`expected AuthError ${code}, nothing was thrown`);
}
