import { describe, expect, it } from 'vitest';
import { cookieValue, createSessionStore, sameToken, sessionCookie } from './session-store.js';

describe('console session store', () => {
  it('hands out unguessable ids and CSRF tokens, and finds a session until it expires', () => {
    let now = 1_000;
    const store = createSessionStore({ ttlMs: 500, clock: () => now });
    const a = store.create('acme', 'KEY');
    const b = store.create('acme', 'KEY');
    expect(a.id).not.toBe(b.id);
    expect(a.csrfToken).not.toBe(a.id);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(store.get(a.id)).toMatchObject({ tenant: 'acme', accessKeyId: 'KEY', expiresAt: 1_500 });
    now = 1_499;
    expect(store.get(a.id)).toBeDefined();
    now = 1_500;
    expect(store.get(a.id)).toBeUndefined();
    expect(store.size()).toBe(0);
  });

  it('forgets a signed-out session and bounds how many it keeps (oldest first)', () => {
    const store = createSessionStore({ ttlMs: 60_000, maxSessions: 2 });
    const first = store.create('t', 'k');
    const second = store.create('t', 'k');
    store.delete(second.id);
    expect(store.get(second.id)).toBeUndefined();
    const third = store.create('t', 'k');
    const fourth = store.create('t', 'k');
    expect(store.get(first.id)).toBeUndefined();
    expect([store.get(third.id), store.get(fourth.id)].every(Boolean)).toBe(true);
  });

  it('never keeps the secret', () => {
    const session = createSessionStore({ ttlMs: 1000 }).create('t', 'k');
    expect(Object.keys(session).sort()).toEqual([
      'accessKeyId',
      'createdAt',
      'csrfToken',
      'expiresAt',
      'id',
      'tenant',
    ]);
  });

  it('reads one cookie, compares tokens in constant time, writes a strict HttpOnly cookie', () => {
    expect(cookieValue('a=1; asyncfn_session=xyz; b=2', 'asyncfn_session')).toBe('xyz');
    expect(cookieValue('asyncfn_sessionx=1', 'asyncfn_session')).toBeUndefined();
    expect(cookieValue(undefined, 'asyncfn_session')).toBeUndefined();
    expect(sameToken('abc', 'abc')).toBe(true);
    expect(sameToken('abd', 'abc')).toBe(false);
    expect(sameToken('ab', 'abc')).toBe(false);
    expect(sameToken(undefined, 'abc')).toBe(false);
    expect(sessionCookie('v', 3600, false)).toBe(
      'asyncfn_session=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600',
    );
    expect(sessionCookie('v', 1, true)).toMatch(/; Secure$/);
  });
});
