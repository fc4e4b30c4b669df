import type { FastifyInstance, FastifyRequest } from 'fastify';
import { signatureNonceUsedError, verifyAcs3Request, type AccessKeyLookup } from '@asyncfn/auth';
import { HTTP_TRIGGER_PREFIX } from '@asyncfn/core';
import { CODE_DOWNLOAD_PREFIX } from './routes/function-controls.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant the request's AccessKey belongs to; everything is scoped by it. */
    tenant: string;
  }
}

const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/metrics', '/openapi.json']);

/**
 * Verifies every API request the way FC's SDK signs it (ACS3-HMAC-SHA256) and claims its nonce so
 * a captured request cannot be replayed. Runs after body parsing: the signature covers the body.
 */
export function registerAuth(app: FastifyInstance, deps: AuthDeps): void {
  app.decorateRequest('tenant', '');
  app.addHook('preHandler', async (request: FastifyRequest) => {
    const path = request.url.split('?')[0] ?? '';
    // HTTP trigger URLs authenticate per trigger (anonymous or signed): their route calls authenticate().
    if (PUBLIC_PATHS.has(path) || path.startsWith(HTTP_TRIGGER_PREFIX)) return;
    // GetFunctionCode's short-lived URLs: the token in the path is the credential.
    if (path.startsWith(CODE_DOWNLOAD_PREFIX)) return;
    await authenticate(request, deps);
  });
}

export interface AuthDeps {
  accessKeys: AccessKeyLookup;
  nonces: { claim(accessKeyId: string, nonce: string): Promise<boolean> };
  clock: () => number;
}

/** Verifies the request's ACS3 signature, claims its nonce and sets `request.tenant`. */
export async function authenticate(request: FastifyRequest, deps: AuthDeps): Promise<void> {
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const verified = verifyAcs3Request(
    { method: request.method, rawUrl: request.raw.url ?? request.url, headers: request.headers, body },
    deps.accessKeys,
    new Date(deps.clock()),
  );
  if (!(await deps.nonces.claim(verified.accessKeyId, verified.nonce))) throw signatureNonceUsedError();
  request.tenant = verified.tenant;
}
