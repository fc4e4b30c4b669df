import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  isFcAuthorization,
  signatureNonceUsedError,
  verifyAcs3Request,
  verifyFcRequest,
  type AccessKeyLookup,
} from '@asyncfn/auth';
import { FC2_API, HTTP_TRIGGER_PREFIX } from '@asyncfn/core';

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
    // FC 2.0's API also takes 2.0's own signature scheme (FC's 2.0 SDKs); the 2021-04-06 SDK signs
    // with ACS3 by default, verified as on every other route.
    if (path.startsWith(`${FC2_API}/`) && isFcAuthorization(firstHeader(request, 'authorization'))) {
      authenticateFc2(request, deps);
      return;
    }
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

function firstHeader(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Verifies FC 2.0's `FC <id>:<signature>` and sets `request.tenant`. The scheme has no nonce, so
 * there is no replay check: a captured request stays valid while its Date is within 15 minutes.
 */
function authenticateFc2(request: FastifyRequest, deps: AuthDeps): void {
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const verified = verifyFcRequest(
    { method: request.method, rawUrl: request.raw.url ?? request.url, headers: request.headers, body },
    deps.accessKeys,
    new Date(deps.clock()),
  );
  request.tenant = verified.tenant;
}
