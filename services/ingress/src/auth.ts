import type { FastifyInstance, FastifyRequest } from 'fastify';
import { signatureNonceUsedError, verifyAcs3Request, type AccessKeyLookup } from '@asyncfn/auth';

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant the request's AccessKey belongs to; everything is scoped by it. */
    tenant: string;
  }
}

const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/openapi.json']);

/**
 * Verifies every API request the way FC's SDK signs it (ACS3-HMAC-SHA256) and claims its nonce so
 * a captured request cannot be replayed. Runs after body parsing: the signature covers the body.
 */
export function registerAuth(
  app: FastifyInstance,
  deps: {
    accessKeys: AccessKeyLookup;
    nonces: { claim(accessKeyId: string, nonce: string): Promise<boolean> };
    clock: () => number;
  },
): void {
  app.decorateRequest('tenant', '');
  app.addHook('preHandler', async (request: FastifyRequest) => {
    if (PUBLIC_PATHS.has(request.url.split('?')[0] ?? '')) return;
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const verified = verifyAcs3Request(
      { method: request.method, rawUrl: request.raw.url ?? request.url, headers: request.headers, body },
      deps.accessKeys,
      new Date(deps.clock()),
    );
    if (!(await deps.nonces.claim(verified.accessKeyId, verified.nonce))) throw signatureNonceUsedError();
    request.tenant = verified.tenant;
  });
}
