import { MongoClient } from 'mongodb';
const c = new MongoClient('mongodb://127.0.0.1:27017');
await c.connect();
const col = c.db('explaintest').collection<{ _id: string; version: number; n: number }>('t');
await col.deleteMany({});
await col.insertMany(Array.from({ length: 20000 }, (_, i) => ({ _id: `id${i}`, version: 1, n: i })));
for (const filter of [{ _id: 'id500' }, { _id: 'id500', version: 1 }, { _id: { $in: ['id1', 'id2'] } }]) {
  const e = await c.db('explaintest').command({ explain: { find: 't', filter }, verbosity: 'queryPlanner' });
  console.log(JSON.stringify(filter), JSON.stringify(e).slice(0, 400));
  let t = Date.now();
  for (let i = 0; i < 200; i++) await col.findOne(filter as never);
  console.log(' find x200 ms', Date.now() - t);
  t = Date.now();
  for (let i = 0; i < 200; i++) await col.updateOne(filter as never, { $set: { n: i } });
  console.log(' update x200 ms', Date.now() - t);
}
await c.db('explaintest').dropDatabase();
await c.close();
