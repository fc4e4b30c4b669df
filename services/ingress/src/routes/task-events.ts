import type { FastifyInstance } from 'fastify';
import { parseFunctionName } from '@asyncfn/core';
import type { IngressDeps } from '../deps.js';
import { taskSchemas } from '../openapi/tasks.js';
import { API } from '../http.js';
import { changesFor, sseFrame } from '../console/task-feed.js';

/** A comment line now and then keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

/**
 * Extension: the tenant's task changes, live, as Server-Sent Events (`text/event-stream`): an
 * `open` event, then a `changes` event with `[{taskId, functionName, type, status, attempt,
 * timestamp}]` each time the status service records something (after it is written, so a read
 * that follows sees it). `functionName` narrows it to one function. Nothing is replayed: a client
 * that (re)connects reads the list first. The tenant is the subject, so no other tenant's changes
 * ever reach this stream.
 */
export async function taskEventRoutes(app: FastifyInstance, deps: IngressDeps): Promise<void> {
  // Open streams end when the server closes (they would otherwise hold it open).
  const open = new Set<{ unsubscribe(): void }>();
  app.addHook('preClose', async () => {
    for (const sub of open) sub.unsubscribe();
  });
  app.get<{ Querystring: { functionName?: string } }>(
    `${API}/async-task-events`,
    { schema: taskSchemas.events },
    async (request, reply) => {
      const fn = request.query.functionName ? parseFunctionName(request.query.functionName) : undefined;
      const sub = deps.nc.subscribe(deps.names.subjects.applied(request.tenant));
      open.add(sub);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-fc-request-id': request.id,
      });
      res.write(`retry: 3000\n${sseFrame('open', { functionName: fn ?? null, requestId: request.id })}`);
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
      const close = () => {
        clearInterval(keepalive);
        open.delete(sub);
        sub.unsubscribe();
      };
      request.raw.on('close', close);
      let seq = 0;
      try {
        for await (const msg of sub) {
          let parsed: unknown;
          try {
            parsed = msg.json();
          } catch {
            continue;
          }
          const changes = changesFor(parsed, fn);
          if (changes.length > 0) res.write(sseFrame('changes', changes, String(++seq)));
        }
      } finally {
        close();
        res.end();
      }
    },
  );
}
