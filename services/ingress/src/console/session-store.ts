import { randomBytes, timingSafeEqual } from 'node:crypto';

/** A signed-in console user: the tenant their AccessKey belongs to, never the secret. */
export interface ConsoleSession {
  /** Opaque random id, the value of the HttpOnly cookie. */
  id: string;
  /** Sent back by the page in `x-asyncfn-csrf` on every request that changes something. */
  csrfToken: string;
  tenant: string;
  accessKeyId: string;
  createdAt: number;
  expiresAt: number;
}

export interface SessionStore {
  create(tenant: string, accessKeyId: string): ConsoleSession;
  /** The live session of that id, or undefined (unknown or expired; an expired one is forgotten). */
  get(id: string): ConsoleSession | undefined;
  delete(id: string): void;
  /** Sessions held (expired ones are dropped as they are met and by a periodic sweep). */
  size(): number;
}

/** 32 random bytes, base64url: unguessable, cookie- and header-safe. */
const token = () => randomBytes(32).toString('base64url');

/**
 * Console sessions, in this ingress process's memory with a fixed lifetime (8 h by default). A
 * restart signs everyone out, and with several ingress replicas a load balancer must keep a
 * browser on one replica (sticky sessions); a shared store (a NATS KV bucket with a TTL) can
 * replace this behind the same interface. `maxSessions` bounds memory: the oldest session goes first.
 */
export function createSessionStore(options: {
  ttlMs: number;
  clock?: () => number;
  maxSessions?: number;
}): SessionStore {
  const clock = options.clock ?? Date.now;
  const max = options.maxSessions ?? 10_000;
  // Insertion order is creation order: the first entry is the oldest.
  const sessions = new Map<string, ConsoleSession>();
  return {
    create(tenant, accessKeyId) {
      const now = clock();
      const session: ConsoleSession = {
        id: token(),
        csrfToken: token(),
        tenant,
        accessKeyId,
        createdAt: now,
        expiresAt: now + options.ttlMs,
      };
      sessions.set(session.id, session);
      while (sessions.size > max) sessions.delete(sessions.keys().next().value!);
      return session;
    },
    get(id) {
      const session = sessions.get(id);
      if (!session) return undefined;
      if (session.expiresAt <= clock()) {
        sessions.delete(id);
        return undefined;
      }
      return session;
    },
    delete(id) {
      sessions.delete(id);
    },
    size() {
      const now = clock();
      for (const [id, s] of sessions) if (s.expiresAt <= now) sessions.delete(id);
      return sessions.size;
    },
  };
}

/** Constant-time comparison of a presented token with the expected one. */
export function sameToken(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Just the cookie of that name from a `Cookie` header (hand-written: one value, no plugin per request). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export const SESSION_COOKIE = 'asyncfn_session';
export const CSRF_HEADER = 'x-asyncfn-csrf';

/** The Set-Cookie value: HttpOnly (no script reads it), SameSite=Strict (no cross-site request carries it). */
export function sessionCookie(id: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${id}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}
