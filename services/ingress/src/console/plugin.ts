import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';
import { ApiError } from '@asyncfn/core';
import type { AccessKeyLookup } from '@asyncfn/auth';
import type { SessionStore } from './session-store.js';
import { sessionRoutes } from './session-routes.js';
import { consolePageSchema } from '../openapi/extensions.js';

export interface ConsoleOptions {
  /** The console's build output (console/dist): index.html and its bundled assets. */
  dir: string;
  sessions: SessionStore;
  sessionTtlMs: number;
  accessKeys: AccessKeyLookup;
}

/**
 * The web console: its static files at /console/ (a single page, routed by the URL's hash so any
 * static server can serve it), its sign-in at /console/api/session, and `/` sending browsers there.
 * API clients asking for `/` still get the API's answer (an FC error), as before.
 */
async function consoleRoutes(app: FastifyInstance, options: ConsoleOptions): Promise<void> {
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET' || (request.url !== '/' && request.url !== '/console')) return;
    if (request.url === '/' && !(request.headers.accept ?? '').includes('text/html')) return;
    return reply.redirect('/console/', 302);
  });

  await sessionRoutes(app, options);

  const built = existsSync(join(options.dir, 'index.html'));
  if (!built) {
    app.get('/console/*', { schema: consolePageSchema }, async () => {
      throw new ApiError(
        'ServiceUnavailable',
        `the console is not built (no ${join(options.dir, 'index.html')}): run "npm run build -w @asyncfn/console"`,
      );
    });
    return;
  }
  await app.register(fastifyStatic, {
    root: options.dir,
    prefix: '/console/',
    index: ['index.html'],
    // Vite names assets by their content hash: they can be cached for good; index.html cannot.
    setHeaders(res, path) {
      void res.header(
        'cache-control',
        path.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
      );
    },
    cacheControl: false,
  });
  // The page itself (the static wildcard leaves the bare prefix to the not-found handler).
  app.get('/console/', { schema: consolePageSchema }, async (_request, reply) =>
    reply.header('cache-control', 'no-cache').sendFile('index.html'),
  );
}

/** Not encapsulated: the redirect of `/` must see requests outside the plugin's own routes. */
export const consolePlugin = fp(consoleRoutes, { name: 'asyncfn-console' });
