import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthError, type AccessKeyLookup } from '@asyncfn/auth';
import { ApiError } from '@asyncfn/core';
import { jsonBody } from '../http.js';
import { sessionTenant } from '../auth.js';
import { sessionSchemas } from '../openapi/extensions.js';
import {
  SESSION_COOKIE,
  cookieValue,
  sessionCookie,
  type ConsoleSession,
  type SessionStore,
} from './session-store.js';

const SESSION_PATH = '/console/api/session';

/** What the page learns about its session: never the secret, and the cookie's value stays HttpOnly. */
function sessionView(session: ConsoleSession) {
  return {
    tenant: session.tenant,
    accessKeyId: session.accessKeyId,
    csrfToken: session.csrfToken,
    expiresAt: session.expiresAt,
  };
}

/** Secrets compared by their digests: constant time whatever their lengths. */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function parseSignIn(body: unknown): { accessKeyId: string; accessKeySecret: string } {
  const { accessKeyId, accessKeySecret } = (body ?? {}) as Record<string, unknown>;
  if (typeof accessKeyId !== 'string' || accessKeyId.trim() === '')
    throw new ApiError('InvalidArgument', 'accessKeyId: required');
  if (typeof accessKeySecret !== 'string' || accessKeySecret === '')
    throw new ApiError('InvalidArgument', 'accessKeySecret: required');
  return { accessKeyId: accessKeyId.trim(), accessKeySecret };
}

/**
 * Console sign-in: the AccessKey is exchanged once for a session (an opaque random id in an
 * HttpOnly, SameSite=Strict cookie, plus a CSRF token the page sends on every change), so the
 * secret never stays in the browser. GET tells the page who is signed in; DELETE signs out.
 */
export async function sessionRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionStore; sessionTtlMs: number; accessKeys: AccessKeyLookup },
): Promise<void> {
  const maxAge = Math.floor(deps.sessionTtlMs / 1000);
  const current = (request: FastifyRequest) => {
    const id = cookieValue(request.headers.cookie, SESSION_COOKIE);
    return id === undefined ? undefined : { id, session: deps.sessions.get(id) };
  };
  const clearCookie = (request: FastifyRequest, reply: FastifyReply) =>
    reply.header('set-cookie', sessionCookie('', 0, request.protocol === 'https'));

  app.post(SESSION_PATH, { schema: sessionSchemas.create }, async (request, reply) => {
    const { accessKeyId, accessKeySecret } = parseSignIn(jsonBody(request));
    const key = deps.accessKeys(accessKeyId);
    if (!key) {
      throw new AuthError('InvalidAccessKeyID', `AccessKey ID '${accessKeyId.slice(0, 128)}' is unknown`);
    }
    if (!sameSecret(accessKeySecret, key.secret)) {
      throw new AuthError('InvalidAccessKeySecret', `the AccessKey Secret is wrong for '${accessKeyId}'`);
    }
    // A sign-in replaces the browser's earlier session, if any.
    const earlier = current(request);
    if (earlier) deps.sessions.delete(earlier.id);
    const session = deps.sessions.create(key.tenant, accessKeyId);
    reply.header('set-cookie', sessionCookie(session.id, maxAge, request.protocol === 'https'));
    return sessionView(session);
  });

  app.get(SESSION_PATH, { schema: sessionSchemas.get }, async (request, reply) => {
    const found = current(request);
    if (!found?.session) {
      if (found) clearCookie(request, reply);
      throw new AuthError('InvalidSession', 'not signed in to the console');
    }
    return sessionView(found.session);
  });

  app.delete(SESSION_PATH, { schema: sessionSchemas.delete }, async (request, reply) => {
    const found = current(request);
    if (found?.session) {
      // Signing out is a change: it needs the CSRF token too (a forged sign-out is a nuisance).
      sessionTenant(request, deps.sessions, found.id);
      deps.sessions.delete(found.id);
    }
    clearCookie(request, reply);
    return reply.status(204).send();
  });
}
