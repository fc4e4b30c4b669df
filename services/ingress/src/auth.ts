import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  AuthError,
  isFcAuthorization,
  signatureNonceUsedError,
  verifyAcs3Request,
  verifyFcRequest,
  type AccessKeyLookup,
} from '@asyncfn/auth';
import { FC2_API, HTTP_TRIGGER_PREFIX } from '@asyncfn/core';
import {
  CSRF_HEADER,
  SESSION_COOKIE,
  cookieValue,
  sameToken,
  type SessionStore,
} from './console/session-store.js';
import { CODE_DOWNLOAD_PREFIX } from './http.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant the request's AccessKey belongs to; everything is scoped by it. */
    tenant: string;
  }
}

const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/metrics', '/openapi.json']);
/** The console's files and its sign-in; its session routes check the session themselves. */
const CONSOLE_PREFIX = '/console';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Verifies every API request the way FC's SDK signs it (ACS3-HMAC-SHA256) and claims its nonce so
 * a captured request cannot be replayed. Runs after body parsing: the signature covers the body.
 * A request without an Authorization header may instead carry the console's session cookie; one
 * that changes something must then also carry the session's CSRF token in `x-asyncfn-csrf`.
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
    if (path === CONSOLE_PREFIX || path.startsWith(`${CONSOLE_PREFIX}/`)) return;
    // GetFunctionCode's short-lived URLs: the token in the path is the credential.
    if (path.startsWith(CODE_DOWNLOAD_PREFIX)) return;
    await authenticate(request, deps);
  });
}

export interface AuthDeps {
  accessKeys: AccessKeyLookup;
  nonces: { claim(accessKeyId: string, nonce: string): Promise<boolean> };
  clock: () => number;
  /** Console sessions; without them only signed requests are accepted. */
  sessions?: SessionStore;
}

/** Verifies the request's ACS3 signature (or console session), claims its nonce and sets `request.tenant`. */
export async function authenticate(request: FastifyRequest, deps: AuthDeps): Promise<void> {
  if (deps.sessions && request.headers.authorization === undefined) {
    const sessionId = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (sessionId !== undefined) {
      request.tenant = sessionTenant(request, deps.sessions, sessionId);
      return;
    }
  }
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

/** The tenant of a live session; a state-changing request must prove it comes from the console page. */
export function sessionTenant(request: FastifyRequest, sessions: SessionStore, sessionId: string): string {
  const session = sessions.get(sessionId);
  if (!session)
    throw new AuthError('InvalidSession', 'the console session is unknown or expired; sign in again');
  if (!SAFE_METHODS.has(request.method)) {
    const presented = request.headers[CSRF_HEADER];
    if (!sameToken(Array.isArray(presented) ? presented[0] : presented, session.csrfToken)) {
      throw new AuthError(
        'CsrfTokenMismatch',
        `a console request that changes something needs the session's ${CSRF_HEADER} header`,
      );
    }
  }
  return session.tenant;
}
