import { createServer, type Server } from 'node:http';

export interface HealthState {
  ready: boolean;
  /** Extra checks run on /readyz; a rejected promise means not ready. */
  checks: (() => Promise<void>)[];
}

/** /healthz (the process is alive) and /readyz (connected and consuming) on the service's own port. */
export function startHealthServer(
  host: string,
  port: number,
  state: HealthState,
  extra?: (path: string) => Promise<{ status: number; type: string; body: string } | undefined>,
): Promise<Server> {
  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return;
      }
      if (path === '/readyz') {
        try {
          if (!state.ready) throw new Error('starting');
          await Promise.all(state.checks.map((check) => check()));
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready"}');
        } catch (err) {
          res
            .writeHead(503, { 'content-type': 'application/json' })
            .end(JSON.stringify({ status: 'not ready', reason: (err as Error).message }));
        }
        return;
      }
      const answer = await extra?.(path);
      if (answer) {
        res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
        return;
      }
      res.writeHead(404).end();
    })();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
