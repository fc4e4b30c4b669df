import pg from 'pg';
import { PG_SERVER_URL } from '../peers/pgboss-db.js';

/*
 * What a phase cost in operations, counted by the servers themselves: messages each asyncfn
 * service published to and received from nats-server (its per-connection counters; connections
 * are named `asyncfn-<service>@<namespace>`), JetStream API requests, MongoDB commands FerretDB
 * served (by command), and PostgreSQL's transactions and row operations per database. Read before
 * and after a phase; the difference divided by the tasks completed is the cost per task.
 *
 * JetStream, FerretDB and PostgreSQL counters are server-wide: anything else using those servers
 * during the phase is counted too, the bench's own polling of asyncfn's read model included (it
 * shows as `find`/`aggregate` and fetched rows). PostgreSQL publishes its statistics with a delay
 * of up to a second or so.
 */

export type OpCounters = Record<string, number>;

/** deploy/local's monitoring ports: nats-server's and FerretDB's debug handler. */
const NATS_MONITOR = 'http://127.0.0.1:8222';
const FERRETDB_DEBUG = 'http://127.0.0.1:8088';
/** The databases whose work is counted: FerretDB's and the pg-boss peer's. */
const PG_DATABASES = ['ferretdb', 'asyncfn_bench_pgboss'];

async function json(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return res.json();
}

interface Connz {
  connections?: Array<{ name?: string; in_msgs: number; out_msgs: number }>;
}

async function natsCounters(namespace: string, out: OpCounters): Promise<void> {
  const connz = (await json(`${NATS_MONITOR}/connz?limit=100000`)) as Connz;
  const suffix = `@${namespace}`;
  for (const c of connz.connections ?? []) {
    const name = c.name ?? '';
    if (!name.startsWith('asyncfn-') || !name.endsWith(suffix)) continue;
    const service = name.slice('asyncfn-'.length, -suffix.length);
    // nats-server's "in" is what the client published, "out" what it delivered to the client.
    out[`nats.${service}.published`] = (out[`nats.${service}.published`] ?? 0) + c.in_msgs;
    out[`nats.${service}.received`] = (out[`nats.${service}.received`] ?? 0) + c.out_msgs;
  }
  const jsz = (await json(`${NATS_MONITOR}/jsz`)) as { api?: { total?: number } };
  out['jetstream.apiRequests'] = jsz.api?.total ?? 0;
}

/** FerretDB's Prometheus counters of client requests, by MongoDB command. */
async function ferretdbCounters(out: OpCounters): Promise<void> {
  const res = await fetch(`${FERRETDB_DEBUG}/debug/metrics`, { signal: AbortSignal.timeout(3_000) });
  if (!res.ok) return;
  for (const line of (await res.text()).split('\n')) {
    const m = /^ferretdb_client_requests_total\{([^}]*)\} (\d+(?:\.\d+)?(?:e\+\d+)?)$/.exec(line);
    if (!m) continue;
    const command = /command="([^"]+)"/.exec(m[1]!)?.[1] ?? 'unknown';
    out[`mongo.${command}`] = (out[`mongo.${command}`] ?? 0) + Number(m[2]);
  }
}

async function postgresCounters(out: OpCounters): Promise<void> {
  const client = new pg.Client({ connectionString: `${PG_SERVER_URL}/postgres` });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT datname, xact_commit, tup_inserted, tup_updated, tup_deleted, tup_fetched
         FROM pg_stat_database WHERE datname = ANY($1)`,
      [PG_DATABASES],
    );
    for (const r of rows as Array<Record<string, string>>) {
      const db = r.datname === 'ferretdb' ? 'ferretdb' : 'pgboss';
      out[`postgres.${db}.commits`] = Number(r.xact_commit);
      out[`postgres.${db}.rowsInserted`] = Number(r.tup_inserted);
      out[`postgres.${db}.rowsUpdated`] = Number(r.tup_updated);
      out[`postgres.${db}.rowsDeleted`] = Number(r.tup_deleted);
      out[`postgres.${db}.rowsFetched`] = Number(r.tup_fetched);
    }
  } finally {
    await client.end();
  }
}

/** Every counter that answers; a server that does not is left out (the report shows '–'). */
export async function readOpCounters(namespace: string): Promise<OpCounters> {
  const out: OpCounters = {};
  await Promise.allSettled([natsCounters(namespace, out), ferretdbCounters(out), postgresCounters(out)]);
  return out;
}

/** The counters that tell a system's own work (the servers are shared between the systems). */
export function countersOf(system: string, ops: OpCounters): OpCounters {
  const own = (k: string) =>
    system === 'pgboss'
      ? k.startsWith('postgres.pgboss.')
      : system === 'jetstream'
        ? k === 'jetstream.apiRequests'
        : system.startsWith('asyncfn') && !k.startsWith('postgres.pgboss.');
  return Object.fromEntries(Object.entries(ops).filter(([k]) => own(k)));
}

/** after − before, for the counters both readings have. */
export function countersDelta(before: OpCounters, after: OpCounters): OpCounters {
  const out: OpCounters = {};
  for (const [k, v] of Object.entries(after)) {
    const b = before[k];
    if (b !== undefined) out[k] = v - b;
  }
  return out;
}
