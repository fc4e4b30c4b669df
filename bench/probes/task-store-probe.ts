import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { MongoClient, type AnyBulkWriteOperation } from 'mongodb';
import pg from 'pg';
import { storageUrls } from '../../test/harness/storage.js';
import { PG_SERVER_URL } from '../peers/pgboss-db.js';

/*
 * What one task's terminal write costs the store, on this machine: the status service's guarded
 * update of a waiting task's document (its state and its new history entries), as
 *   - MongoDB-wire bulk commands through FerretDB (how asyncfn writes today), one command at a
 *     time or several at once;
 *   - one SQL statement per batch on the same PostgreSQL (how a PostgreSQL adapter of the
 *     TaskStore port would write: UPDATE … FROM unnest(…), guarded by the version).
 * Each in a scratch database of its own, dropped afterwards. Prints updates/s and the CPU the
 * servers spent per update (ferretdb and every postgres process).
 *
 *   npx tsx bench/probes/task-store-probe.ts [tasks=6000] [batch=500]
 */

const TASKS = Number(process.argv[2] ?? 6000);
const BATCH = Number(process.argv[3] ?? 500);
const SCRATCH = 'asyncfn_store_probe';
const PAYLOAD = 'x'.repeat(340); // a 256-byte payload, base64
const entry = (seq: number, status: string) => ({
  seq,
  type: `Task${status}`,
  status,
  time: Date.now(),
  attempt: 1,
});

/** CPU seconds used so far by every process of that name. */
function cpuSeconds(name: string): number {
  const pids = execFileSync('pgrep', ['-x', name]).toString().trim().split('\n');
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks / 100;
}

async function measure(label: string, run: () => Promise<void>) {
  const before = { ferret: cpuSeconds('ferretdb'), pg: cpuSeconds('postgres') };
  const start = performance.now();
  await run();
  const seconds = (performance.now() - start) / 1000;
  const ferret = cpuSeconds('ferretdb') - before.ferret;
  const pgCpu = cpuSeconds('postgres') - before.pg;
  const perUpdate = (s: number) => ((s * 1000) / TASKS).toFixed(2);
  console.log(
    `${label.padEnd(34)} ${Math.round(TASKS / seconds)
      .toString()
      .padStart(6)} updates/s   CPU ms/update: ferretdb ${perUpdate(ferret)}, postgres ${perUpdate(pgCpu)}`,
  );
}

const batches = <T>(all: T[]) =>
  Array.from({ length: Math.ceil(all.length / BATCH) }, (_, i) => all.slice(i * BATCH, (i + 1) * BATCH));

async function throughFerretdb(lanes: number) {
  const client = new MongoClient(storageUrls(process.env).mongoUrl);
  await client.connect();
  const db = client.db(SCRATCH);
  const tasks = db.collection<{ _id: string; [k: string]: unknown }>('tasks');
  await db.dropDatabase();
  const ids = Array.from({ length: TASKS }, (_, i) => `t:${i}`);
  for (const part of batches(ids))
    await tasks.insertMany(
      part.map((_id) => ({
        _id,
        tenant: 't',
        functionName: 'f',
        status: 'Enqueued',
        version: 1,
        payload: PAYLOAD,
        startedTime: Date.now(),
        history: [entry(1, 'Enqueued')],
      })),
    );
  await measure(`ferretdb, ${lanes} bulk command(s) at once`, async () => {
    for (const part of batches(ids)) {
      const ops: AnyBulkWriteOperation<{ _id: string }>[] = part.map((_id) => ({
        updateOne: {
          filter: { _id, version: 1 },
          update: {
            $set: { status: 'Succeeded', version: 2 },
            $push: { history: { $each: [entry(2, 'Dequeued'), entry(3, 'Succeeded')] } },
          },
        },
      }));
      const size = Math.ceil(ops.length / lanes);
      const parts = Array.from({ length: lanes }, (_, k) => ops.slice(k * size, (k + 1) * size)).filter(
        (lane) => lane.length > 0,
      );
      const results = await Promise.all(parts.map((p) => tasks.bulkWrite(p, { ordered: false })));
      if (results.reduce((n, r) => n + r.matchedCount, 0) !== part.length)
        throw new Error('an update missed');
    }
  });
  await db.dropDatabase();
  await client.close();
}

async function throughSql() {
  const admin = new pg.Client({ connectionString: `${PG_SERVER_URL}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${SCRATCH}`);
  await admin.query(`CREATE DATABASE ${SCRATCH}`);
  const db = new pg.Client({ connectionString: `${PG_SERVER_URL}/${SCRATCH}` });
  await db.connect();
  await db.query(`CREATE TABLE tasks (
    id text PRIMARY KEY, tenant text NOT NULL, function_name text NOT NULL, status text NOT NULL,
    version int NOT NULL, started_time bigint NOT NULL, expire_minute bigint, payload text,
    history jsonb NOT NULL)`);
  await db.query('CREATE INDEX tasks_list ON tasks (tenant, function_name, started_time DESC, id DESC)');
  await db.query('CREATE INDEX tasks_sweep ON tasks (status, started_time)');
  await db.query('CREATE INDEX tasks_retention ON tasks (expire_minute)');
  const ids = Array.from({ length: TASKS }, (_, i) => `t:${i}`);
  for (const part of batches(ids))
    await db.query(
      `INSERT INTO tasks (id, tenant, function_name, status, version, started_time, payload, history)
       SELECT id, 't', 'f', 'Enqueued', 1, $2, $3, $4::jsonb FROM unnest($1::text[]) AS id`,
      [part, Date.now(), PAYLOAD, JSON.stringify([entry(1, 'Enqueued')])],
    );
  await measure('postgres, one UPDATE per batch', async () => {
    for (const part of batches(ids)) {
      const events = part.map(() => JSON.stringify([entry(2, 'Dequeued'), entry(3, 'Succeeded')]));
      const { rowCount } = await db.query(
        `UPDATE tasks t SET status = v.status, version = t.version + 1, history = t.history || v.events
         FROM unnest($1::text[], $2::int[], $3::text[], $4::jsonb[]) AS v(id, expected, status, events)
         WHERE t.id = v.id AND t.version = v.expected`,
        [part, part.map(() => 1), part.map(() => 'Succeeded'), events],
      );
      if (rowCount !== part.length) throw new Error('an update missed');
    }
  });
  await db.end();
  await admin.query(`DROP DATABASE ${SCRATCH}`);
  await admin.end();
}

for (const round of [1, 2]) {
  console.log(`round ${round}: ${TASKS} tasks, batches of ${BATCH}`);
  await throughFerretdb(1);
  await throughFerretdb(4);
  await throughSql();
}
