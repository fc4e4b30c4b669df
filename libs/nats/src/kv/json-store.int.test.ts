import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { serverUrls, testNames } from '../../../../test/harness/env.js';
import { connectNats } from '../connect.js';
import { openBuckets } from '../topology.js';
import { jsonStore } from './json-store.js';
import { watchDirectory } from './watched-directory.js';

interface Item {
  n: number;
}

const names = testNames('jsonstore');
let nc: NatsConnection;
let kv: KV;

beforeAll(async () => {
  nc = await connectNats(serverUrls().natsUrl, 'json-store-test', serverUrls().natsAuth);
  kv = (await openBuckets(nc, names)).instances;
});

afterAll(async () => {
  await nc.close();
});

const until = async (check: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('jsonStore', () => {
  it('reads what it wrote, and nothing for a missing or deleted key', async () => {
    const store = jsonStore<Item>(kv);
    expect(await store.get('s.a.missing')).toBeUndefined();
    await store.put('s.a.one', { n: 1 });
    expect(await store.get('s.a.one')).toEqual({ n: 1 });
    await store.delete('s.a.one');
    expect(await store.get('s.a.one')).toBeUndefined();
    expect(await store.getEntry('s.a.one')).toBeUndefined();
  });

  it('creates only where nothing is, and updates only at the revision read', async () => {
    const store = jsonStore<Item>(kv);
    expect(await store.create('s.b.one', { n: 1 })).toBe(true);
    expect(await store.create('s.b.one', { n: 2 })).toBe(false);
    const entry = (await store.getEntry('s.b.one'))!;
    expect(entry.value).toEqual({ n: 1 });
    expect(await store.update('s.b.one', { n: 3 }, entry.revision)).toBe(true);
    expect(await store.update('s.b.one', { n: 4 }, entry.revision)).toBe(false);
    expect(await store.get('s.b.one')).toEqual({ n: 3 });
    // A deleted key can be created again.
    await store.delete('s.b.one');
    expect(await store.create('s.b.one', { n: 5 })).toBe(true);
  });

  it('lists keys by filter', async () => {
    const store = jsonStore<Item>(kv);
    await Promise.all([
      store.put('s.c.x', { n: 1 }),
      store.put('s.c.y', { n: 2 }),
      store.put('s.d.z', { n: 3 }),
    ]);
    expect((await store.keys('s.c.*')).sort()).toEqual(['s.c.x', 's.c.y']);
  });
});

describe('watchDirectory', () => {
  it('serves values from its watch, reads a miss directly, and replays what it knows to late listeners', async () => {
    const store = jsonStore<Item>(kv);
    await store.put('s.e.before', { n: 1 });
    const directory = await watchDirectory(store);
    try {
      const seen: [string, Item | undefined][] = [];
      directory.onChange((key, value) => seen.push([key, value]));
      await until(() => seen.some(([key]) => key === 's.e.before'));
      const late: [string, Item | undefined][] = [];
      directory.onChange((key, value) => late.push([key, value]));
      expect(late).toContainEqual(['s.e.before', { n: 1 }]);

      await store.put('s.e.after', { n: 2 });
      await until(() => late.some(([key]) => key === 's.e.after'));
      expect(await directory.get('s.e.after')).toEqual({ n: 2 });

      await store.delete('s.e.after');
      await until(() => late.some(([key, value]) => key === 's.e.after' && value === undefined));
      expect(await directory.get('s.e.after')).toBeUndefined();
    } finally {
      directory.stop();
    }
  });
});
