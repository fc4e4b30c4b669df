// Throwaway bench for deploy/local GIN indexes (delete after use).
import { MongoClient } from 'mongodb';

const mode = process.argv[2] ?? 'bench';
const c = new MongoClient('mongodb://127.0.0.1:27017');
await c.connect();
const dbName = `gin_bench_${Date.now().toString(36)}`;
const db = c.db(dbName);
type Doc = {
  _id: string;
  taskId: string;
  tenant: string;
  functionName: string;
  status: string;
  version: number;
  payload: string;
};
const col = db.collection<Doc>('tasks');
const mk = (i: number): Doc => ({
  _id: `task-${i.toString(36)}-${(i * 2654435761) % 1000003}`,
  taskId: `task-${i}`,
  tenant: `tenant-${i % 7}`,
  functionName: `fn-${i % 31}`,
  status: ['queued', 'running', 'succeeded', 'failed'][i % 4]!,
  version: 1,
  payload: 'x'.repeat(200),
});

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `p50 ${q(0.5).toFixed(2)} ms, p95 ${q(0.95).toFixed(2)} ms, mean ${(s.reduce((a, b) => a + b, 0) / s.length).toFixed(2)} ms`;
}

async function insertUpTo(from: number, to: number) {
  const t = performance.now();
  for (let i = from; i < to; i += 1000) {
    await col.insertMany(Array.from({ length: Math.min(1000, to - i) }, (_, k) => mk(i + k)));
  }
  const s = (performance.now() - t) / 1000;
  console.log(`insertMany ${from}..${to}: ${s.toFixed(1)} s, ${Math.round((to - from) / s)} docs/s`);
}

async function measure(n: number) {
  const ids = Array.from({ length: 200 }, (_, k) => mk((k * 7919) % n)._id);
  const f: number[] = [];
  for (const id of ids) {
    const t = performance.now();
    const d = await col.findOne({ _id: id });
    f.push(performance.now() - t);
    if (!d) throw new Error('missing ' + id);
  }
  console.log(`n=${n} findOne({_id}) x200: ${stats(f)}`);
  const u: number[] = [];
  for (const id of ids) {
    const d = (await col.findOne({ _id: id }))!;
    const t = performance.now();
    const r = await col.updateOne({ _id: id, version: d.version }, { $set: { status: 'running' }, $inc: { version: 1 } });
    u.push(performance.now() - t);
    if (r.modifiedCount !== 1) throw new Error('not modified ' + id);
  }
  console.log(`n=${n} updateOne({_id,version}) x200: ${stats(u)}`);
  const explain = async (filter: object) => {
    const e = await db.command({ explain: { find: 'tasks', filter }, verbosity: 'queryPlanner' });
    const qp = e.queryPlanner as { Plan?: unknown };
    console.log(`explain ${JSON.stringify(filter)}: pushdown=${JSON.stringify(e.filterPushdown ?? e.pushdown)} plan=${JSON.stringify(qp?.Plan ?? qp).slice(0, 300)}`);
  };
  await explain({ _id: ids[0] });
  await explain({ _id: ids[0], version: 2 });
  await explain({ _id: { $in: [ids[0], ids[1]] } });
  await explain({ tenant: 'tenant-1', functionName: 'fn-3' });
}

try {
  if (mode === 'bench') {
    const sizes = (process.argv[3] ?? '20000,100000').split(',').map(Number);
    let have = 0;
    for (const n of sizes) {
      await insertUpTo(have, n);
      have = n;
      await measure(n);
    }
  } else if (mode === 'ab') {
    // A/B under the same load: 'a' keeps the GIN indexes, 'b' has them dropped.
    const { execFileSync } = await import('node:child_process');
    const psql = (sql: string) =>
      execFileSync('runuser', ['-u', 'postgres', '--', 'psql', '-X', '-A', '-t', '-q', '-h', '127.0.0.1', '-p', '54329', 'ferretdb', '-c', sql], { encoding: 'utf8' });
    const A = db.collection<Doc>('a');
    const B = db.collection<Doc>('b');
    await A.insertOne(mk(-1));
    await B.insertOne(mk(-1));
    const bGins = () =>
      psql(`select format('%I.%I', schemaname, indexname) from pg_indexes where schemaname = '${dbName}' and tablename like 'b%' and indexname like '%gin'`)
        .trim()
        .split('\n')
        .filter(Boolean);
    const dropB = () => {
      const g = bGins();
      if (g.length) psql(`drop index if exists ${g.join(', ')}`);
      return g.length;
    };
    console.log('dropping on b:', dropB());
    const tIns = { a: 0, b: 0 };
    let have = 0;
    const ping: number[] = [];
    for (const n of (process.argv[3] ?? '20000,100000').split(',').map(Number)) {
      for (let i = have; i < n; i += 1000) {
        if ((i / 1000) % 5 === 0 && dropB()) console.log('b had GIN again at', i);
        const batch = Array.from({ length: Math.min(1000, n - i) }, (_, k) => mk(i + k));
        for (const [name, cl] of (i / 1000) % 2 ? ([['a', A], ['b', B]] as const) : ([['b', B], ['a', A]] as const)) {
          const t = performance.now();
          await cl.insertMany(batch.map((d) => ({ ...d })));
          tIns[name] += performance.now() - t;
        }
      }
      console.log(`insertMany ${have}..${n}: with GIN ${Math.round(((n - have) * 1000) / tIns.a)} docs/s, without ${Math.round(((n - have) * 1000) / tIns.b)} docs/s`);
      tIns.a = tIns.b = 0;
      have = n;
      const ids = Array.from({ length: 300 }, (_, k) => mk((k * 7919) % n)._id);
      if (dropB()) console.log('b had GIN again before lookups');
      const r = { fa: [] as number[], fb: [] as number[], ua: [] as number[], ub: [] as number[] };
      for (const [k, id] of ids.entries()) {
        let t = performance.now();
        await db.command({ ping: 1 });
        ping.push(performance.now() - t);
        for (const [f, u, cl] of k % 2 ? ([[r.fa, r.ua, A], [r.fb, r.ub, B]] as const) : ([[r.fb, r.ub, B], [r.fa, r.ua, A]] as const)) {
          t = performance.now();
          const d = await cl.findOne({ _id: id });
          f.push(performance.now() - t);
          t = performance.now();
          const res = await cl.updateOne({ _id: id, version: d!.version }, { $set: { status: 'running' }, $inc: { version: 1 } });
          u.push(performance.now() - t);
          if (res.modifiedCount !== 1) throw new Error('not modified');
        }
      }
      console.log(`n=${n} b GIN indexes after lookups (must be 0): ${bGins().length}`);
      console.log(`n=${n} ping: ${stats(ping)}`);
      console.log(`n=${n} findOne({_id})           GIN: ${stats(r.fa)} | no GIN: ${stats(r.fb)}`);
      console.log(`n=${n} updateOne({_id,version}) GIN: ${stats(r.ua)} | no GIN: ${stats(r.ub)}`);
      for (const t of ['a', 'b']) {
        const tbl = psql(`select format('%I.%I', '${dbName}', _jsonb->>'table') from "${dbName}"._ferretdb_database_metadata where _jsonb->>'_id' = '${t}'`).trim();
        const plan = psql(`explain (analyze, timing off, summary on) select _jsonb from ${tbl} where (_jsonb -> '_id') @> '"${ids[5]}"'::jsonb`);
        console.log(`n=${n} ${t}: ` + plan.split('\n').filter((l) => /Scan|Execution/.test(l)).map((l) => l.trim()).join(' / '));
      }
    }
  } else if (mode === 'drop') {
    console.log('drop', process.argv[4], await c.db(process.argv[4]!).dropDatabase());
  } else if (mode === 'ddl') {
    // create collection, insert, createIndex, listIndexes, find, dropIndex, drop, dropDatabase
    const other = db.collection<Doc>('other_' + 'y'.repeat(70));
    await db.createCollection('explicit');
    await db.collection('explicit').insertOne({ _id: 'a', status: 'x' } as never);
    await col.insertMany(Array.from({ length: 50 }, (_, i) => mk(i)));
    await other.insertOne(mk(1));
    await col.createIndex({ tenant: 1, functionName: 1 }, { name: 'by_tenant' });
    await col.createIndex({ status: 1 }, { name: 'by_status' });
    await db.createCollection('capped', { capped: true, size: 100000, max: 100 });
    await db.collection('capped').insertOne({ _id: 'c', taskId: 't' } as never);
    console.log('indexes', JSON.stringify((await col.listIndexes().toArray()).map((i) => i.name)));
    console.log('findOne', (await col.findOne({ _id: mk(3)._id }))?.taskId, (await other.findOne({ _id: mk(1)._id }))?.taskId);
    console.log('dup insert rejected:', await col.insertOne(mk(3)).then(() => false, (e: Error) => e.message.slice(0, 60)));
    await col.dropIndex('by_status');
    console.log('indexes after drop', JSON.stringify((await col.listIndexes().toArray()).map((i) => i.name)));
    console.log('collections', JSON.stringify((await db.listCollections().toArray()).map((x) => x.name).sort()));
    if (process.argv[3] === 'keep') {
      console.log('kept db', dbName);
      process.exit(0);
    }
    console.log('drop other', await other.drop());
    console.log('collections', JSON.stringify((await db.listCollections().toArray()).map((x) => x.name).sort()));
  }
} finally {
  if (process.argv[3] !== 'keep') console.log('dropDatabase', dbName, await db.dropDatabase());
  await c.close();
}
