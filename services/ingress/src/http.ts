import type { FastifyRequest } from 'fastify';
import { ApiError } from '@asyncfn/core';

/** Bodies arrive as raw bytes (the signature covers them); JSON routes parse here. */
export function jsonBody(request: FastifyRequest): unknown {
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    // FC answers a malformed body with InvalidArgument.
    throw new ApiError('InvalidArgument', 'body: not valid JSON');
  }
}

export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export const API = '/2023-03-30';
/** Where GetFunctionCode's short-lived URLs point (public: the token is the credential). */
export const CODE_DOWNLOAD_PREFIX = '/code-downloads/';
