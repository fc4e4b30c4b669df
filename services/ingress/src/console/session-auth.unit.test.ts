import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessKeyLookup, parseAccessKeys } from '@asyncfn/auth';
import { registerAuth } from '../auth.js';
import { registerErrorHandling } from '../errors.js';
import { registerOpenApi } from '../openapi/document.js';
import { consolePlugin } from './plugin.js';
import { createSessionStore } from './session-store.js';

/*
 * The session exchange and the auth hook together, through fastify.inject(): sign in, use the
 * cookie, CSRF on changes, sign out. No server is needed (nonces only matter for signed requests).
 */
let app: FastifyInstance;
const SECRET = 'the-secret-value';

beforeAll(async () => {
  app = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  registerErrorHandling(app);
  // As the app: the route schemas reference the shared schemas and document only.
  await registerOpenApi(app);
  const sessions = createSessionStore({ ttlMs: 60_000 });
  const accessKeys = accessKeyLookup(parseAccessKeys(`KEY1:${SECRET}:acme`));
  registerAuth(app, { accessKeys, nonces: { claim: async () => true }, clock: Date.now, sessions });
  await app.register(consolePlugin, { dir: '/nonexistent', sessions, sessionTtlMs: 60_000, accessKeys });
  app.get('/2023-03-30/whoami', async (request) => ({ tenant: request.tenant }));
  app.post('/2023-03-30/change', async (request) => ({ tenant: request.tenant }));
});
afterAll(() => app.close());

const signIn = (accessKeyId: string, accessKeySecret: string) =>
  app.inject({
    method: 'POST',
    url: '/console/api/session',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ accessKeyId, accessKeySecret }),
  });

describe('console sessions', () => {
  it('says clearly which part of a wrong key is wrong, with an FC code, and never echoes the secret', async () => {
    const unknown = await signIn('NOPE', SECRET);
    expect([unknown.statusCode, unknown.json().Code]).toEqual([403, 'InvalidAccessKeyID']);
    const wrong = await signIn('KEY1', 'not-it');
    expect([wrong.statusCode, wrong.json().Code]).toEqual([403, 'InvalidAccessKeySecret']);
    expect(wrong.body).not.toContain('not-it');
    const empty = await signIn('KEY1', '');
    expect([empty.statusCode, empty.json().Code]).toEqual([400, 'InvalidArgument']);
  });

  it('exchanges the key for an HttpOnly SameSite=Strict cookie and a CSRF token', async () => {
    const res = await signIn('KEY1', SECRET);
    expect(res.statusCode).toBe(200);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^asyncfn_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=60$/);
    const body = res.json();
    expect(body).toMatchObject({ tenant: 'acme', accessKeyId: 'KEY1' });
    expect(res.body).not.toContain(SECRET);
    expect(res.body).not.toContain(cookie.split(';')[0]!.split('=')[1]);

    const sid = cookie.split(';')[0]!;
    const who = await app.inject({ method: 'GET', url: '/2023-03-30/whoami', headers: { cookie: sid } });
    expect(who.json()).toEqual({ tenant: 'acme' });
    const session = await app.inject({
      method: 'GET',
      url: '/console/api/session',
      headers: { cookie: sid },
    });
    expect(session.json().csrfToken).toBe(body.csrfToken);

    // A change without the CSRF header (what a forged cross-site form would send) is refused.
    const forged = await app.inject({ method: 'POST', url: '/2023-03-30/change', headers: { cookie: sid } });
    expect([forged.statusCode, forged.json().Code]).toEqual([403, 'CsrfTokenMismatch']);
    const wrongToken = await app.inject({
      method: 'POST',
      url: '/2023-03-30/change',
      headers: { cookie: sid, 'x-asyncfn-csrf': 'x'.repeat(43) },
    });
    expect(wrongToken.statusCode).toBe(403);
    const ok = await app.inject({
      method: 'POST',
      url: '/2023-03-30/change',
      headers: { cookie: sid, 'x-asyncfn-csrf': body.csrfToken },
    });
    expect(ok.json()).toEqual({ tenant: 'acme' });

    // Sign out: the session is gone, the cookie cleared.
    const out = await app.inject({
      method: 'DELETE',
      url: '/console/api/session',
      headers: { cookie: sid, 'x-asyncfn-csrf': body.csrfToken },
    });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^asyncfn_session=; .*Max-Age=0/);
    const after = await app.inject({ method: 'GET', url: '/2023-03-30/whoami', headers: { cookie: sid } });
    expect([after.statusCode, after.json().Code]).toEqual([401, 'InvalidSession']);
  });

  it('keeps FC errors for API clients and sends browsers from / to /console/', async () => {
    const api = await app.inject({ method: 'GET', url: '/' });
    expect([api.statusCode, api.json().Code]).toEqual([401, 'MissingAuthorization']);
    const browser = await app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html,*/*' } });
    expect([browser.statusCode, browser.headers.location]).toEqual([302, '/console/']);
    const unsigned = await app.inject({ method: 'GET', url: '/2023-03-30/whoami' });
    expect(unsigned.json().Code).toBe('MissingAuthorization');
  });

  it('says how to build the console when it is not built', async () => {
    const res = await app.inject({ method: 'GET', url: '/console/' });
    expect([res.statusCode, res.json().Code]).toEqual([503, 'ServiceUnavailable']);
    expect(res.json().Message).toContain('npm run build -w @asyncfn/console');
  });
});

describe('the console page', () => {
  it('is served at /console/ (its assets cached for good, the page not)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asyncfn-console-dist-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>asyncfn console</title>');
    writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
    const site = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
    const sessions = createSessionStore({ ttlMs: 1000 });
    const accessKeys = accessKeyLookup(parseAccessKeys('K:s:t'));
    await registerOpenApi(site);
    await site.register(consolePlugin, { dir, sessions, sessionTtlMs: 1000, accessKeys });
    try {
      const page = await site.inject({ method: 'GET', url: '/console/' });
      expect([page.statusCode, page.headers['cache-control']]).toEqual([200, 'no-cache']);
      expect(page.body).toContain('asyncfn console');
      const bare = await site.inject({ method: 'GET', url: '/console' });
      expect([bare.statusCode, bare.headers.location]).toEqual([302, '/console/']);
      const asset = await site.inject({ method: 'GET', url: '/console/assets/index-abc.js' });
      expect([asset.statusCode, asset.headers['cache-control']]).toEqual([
        200,
        'public, max-age=31536000, immutable',
      ]);
    } finally {
      await site.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
