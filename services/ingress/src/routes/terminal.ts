import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastifyWebsocket from '@fastify/websocket';
import { Kvm } from '@nats-io/kv';
import type WebSocket from 'ws';
import {
  CSRF_SUBPROTOCOL_PREFIX,
  TERMINAL_MAX_COLS,
  TERMINAL_MAX_ROWS,
  TERMINAL_SUBPROTOCOL,
  TerminalCloseCode,
  terminalRoute,
} from '@asyncfn/contracts';
import { ApiError, notFound, parseFunctionName } from '@asyncfn/core';
import { AuthError } from '@asyncfn/auth';
import { createInstanceDirectory } from '@asyncfn/nats';
import type { IngressDeps } from '../deps.js';
import { API } from '../http.js';
import { SESSION_COOKIE, cookieValue, sameToken, type SessionStore } from '../console/session-store.js';
import { terminalSchema } from '../openapi/extensions.js';
import { openUpstream, type Upstream } from './terminal-upstream.js';

type TerminalRequest = FastifyRequest<{
  Params: { functionName: string; instanceId: string };
  Querystring: { cols?: string; rows?: string };
}>;

/** How often a terminal opened from the console checks its session is still signed in. */
const SESSION_CHECK_MS = 10_000;
/** Output waiting for the browser beyond this pauses the relay from the executor. */
const MAX_BUFFERED_BYTES = 1 << 20;

/**
 * "Log on to an instance" (console; extension): `GET …/functions/{fn}/instances/{id}/terminal`,
 * upgraded to a WebSocket and relayed to the executor that owns the instance, which runs a shell
 * in the instance's sandbox. Authenticated as every API route (a signed request, or the console's
 * session, which must also present its CSRF token as a subprotocol: browsers send cookies with
 * cross-site WebSocket requests). Unknown instances, and other tenants', are a 404 before the upgrade.
 */
export async function terminalRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  const directory = createInstanceDirectory(await new Kvm(deps.nc).open(deps.names.kv.instances));
  const upstreams = new WeakMap<FastifyRequest, Upstream>();
  const sessions = deps.console?.sessions;

  await app.register(async (scope) => {
    await scope.register(fastifyWebsocket, {
      options: {
        maxPayload: 1 << 20,
        handleProtocols: (protocols) => (protocols.has(TERMINAL_SUBPROTOCOL) ? TERMINAL_SUBPROTOCOL : false),
      },
    });

    scope.get<{ Params: TerminalRequest['params']; Querystring: TerminalRequest['query'] }>(
      terminalRoute(API),
      {
        schema: terminalSchema,
        // @fastify/websocket hides its routes from the document; this one is documented.
        config: {
          swaggerTransform: ({ schema, url }: { schema: object; url: string }) => ({
            schema: { ...schema, hide: false },
            url,
          }),
        },
        websocket: true,
        preHandler: async (request: TerminalRequest) => {
          if (!request.ws)
            throw new ApiError('InvalidArgument', 'a terminal is a WebSocket: send an upgrade request');
          checkConsoleCsrf(request, sessions);
          const name = parseFunctionName(request.params.functionName);
          if (!(await deps.functions.get(request.tenant, name))) throw notFound.function(name);
          const { instanceId } = request.params;
          // Records are keyed by tenant: another tenant's instance is simply not found.
          const record = await directory.get(request.tenant, name, instanceId);
          if (!record || record.status === 'destroyed') throw notFound.instance(name, instanceId);
          if (!record.terminal)
            throw new ApiError(
              'InstanceTerminalUnavailable',
              `instance '${instanceId}' runs unsandboxed (ASYNCFN_SANDBOX=none): there is no sandbox to log on to`,
            );
          const upstream = await openUpstream({ ...record, terminal: record.terminal }, request.tenant, {
            cols: bounded(request.query.cols, TERMINAL_MAX_COLS, 80),
            rows: bounded(request.query.rows, TERMINAL_MAX_ROWS, 24),
          });
          upstreams.set(request, upstream);
          // Should the browser's side not complete, the shell does not stay behind.
          request.raw.socket.once('close', () => upstream.socket.close());
        },
      },
      (socket, request) => {
        const upstream = upstreams.get(request);
        if (!upstream) {
          socket.close(TerminalCloseCode.Unavailable, 'no terminal');
          return;
        }
        relay(socket, upstream, request, sessions);
      },
    );
  });
}

/** Frames both ways as they are; either side closing closes the other. */
function relay(
  browser: WebSocket,
  upstream: Upstream,
  request: FastifyRequest,
  sessions: SessionStore | undefined,
): void {
  const shell = upstream.socket;
  shell.removeAllListeners('message');
  for (const { data, isBinary } of upstream.pending) browser.send(data, { binary: isBinary });
  upstream.pending = [];
  // A browser that reads slowly pauses the executor's socket (and so, in turn, the shell), rather
  // than the ingress buffering without bound.
  let paused = false;
  shell.on('message', (data, isBinary) => {
    browser.send(data, { binary: isBinary }, () => {
      if (paused && browser.bufferedAmount < MAX_BUFFERED_BYTES / 4) {
        paused = false;
        shell.resume();
      }
    });
    if (!paused && browser.bufferedAmount > MAX_BUFFERED_BYTES) {
      paused = true;
      shell.pause();
    }
  });
  browser.on('message', (data, isBinary) => {
    if (shell.readyState === shell.OPEN) shell.send(data, { binary: isBinary });
  });
  shell.on('close', (code, reason) => {
    // 1005/1006 (no code, abnormal end) cannot be sent on: the executor went away.
    const sendable = code === 1000 || (code >= 4000 && code < 5000);
    browser.close(
      sendable ? code : TerminalCloseCode.Unavailable,
      sendable ? reason : 'the executor went away',
    );
  });
  shell.on('error', () => browser.close(TerminalCloseCode.Unavailable, 'the executor went away'));
  browser.on('error', () => shell.close());
  // Session-only: signing out (or the session expiring) ends the console's terminals.
  const sessionId = request.headers.authorization
    ? undefined
    : cookieValue(request.headers.cookie, SESSION_COOKIE);
  const check =
    sessions && sessionId !== undefined
      ? setInterval(() => {
          if (!sessions.get(sessionId)) browser.close(TerminalCloseCode.SignedOut, 'signed out');
        }, SESSION_CHECK_MS)
      : undefined;
  check?.unref();
  browser.on('close', () => {
    clearInterval(check);
    shell.close();
  });
}

/**
 * A console session's upgrade must carry the session's CSRF token as a subprotocol
 * (`csrf.<token>`): the cookie alone would let any site open the terminal from a victim's browser.
 */
function checkConsoleCsrf(request: FastifyRequest, sessions: SessionStore | undefined): void {
  if (request.headers.authorization !== undefined || !sessions) return;
  const sessionId = cookieValue(request.headers.cookie, SESSION_COOKIE);
  const session = sessionId === undefined ? undefined : sessions.get(sessionId);
  if (!session) return; // signed requests: verified by the auth hook
  const offered = String(request.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .find((p) => p.startsWith(CSRF_SUBPROTOCOL_PREFIX));
  if (!sameToken(offered?.slice(CSRF_SUBPROTOCOL_PREFIX.length), session.csrfToken)) {
    throw new AuthError(
      'CsrfTokenMismatch',
      `a console terminal needs the session's CSRF token as the WebSocket subprotocol '${CSRF_SUBPROTOCOL_PREFIX}<token>'`,
    );
  }
}

function bounded(raw: string | undefined, max: number, fallback: number): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : fallback;
}
