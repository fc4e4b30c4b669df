import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { MongoClient } from 'mongodb';
import { natsAuth, SERVICE_NAMES } from '@asyncfn/config';
import { createNames, DEFAULT_NAMESPACE } from '@asyncfn/contracts';
import { ensureTopology } from '@asyncfn/nats';
import { startStack, type Stack } from '../scripts/stack.js';
import { serverUrls, testNames } from './harness/env.js';

/*
 * The control plane refuses whoever has no credentials, and a service's NATS user can do only
 * what that service does (docs/control-plane-auth.md). Against the servers deploy/local starts.
 */
const urls = serverUrls();
const names = testNames('ctlauth');
const NATS_MONITOR = process.env.NATS_MONITOR_URL ?? 'http://127.0.0.1:8222';
/** deploy/local's servers (not external ones given by URL, e.g. testcontainers without auth). */
const localServers = !process.env.NATS_URL && !process.env.MONGO_URL && !process.env.MONGO_URL_FILE;

let admin: NatsConnection;
let stack: Stack | undefined;

let stackStarted: Promise<Stack>;

beforeAll(async () => {
  admin = await connect({ servers: urls.natsUrl, ...urls.natsAuth });
  await ensureTopology(admin, names);
  // Started now, awaited by the test that needs it (a slow machine takes a while).
  stackStarted = startStack({ namespace: names.namespace, portBase: 19860 });
  stackStarted.catch(() => undefined);
});

afterAll(async () => {
  await (stack ?? (await stackStarted.catch(() => undefined)))?.stopAll();
  await admin?.close();
});

describe.runIf(localServers)('NATS', () => {
  it('refuses a client without credentials, and one with a wrong password', async () => {
    await expect(connect({ servers: urls.natsUrl, reconnect: false })).rejects.toThrow(/authorization/i);
    await expect(
      connect({ servers: urls.natsUrl, reconnect: false, user: 'executor', pass: 'not-the-password' }),
    ).rejects.toThrow(/authorization/i);
  });

  it("refuses the executor's test user what the executor never does, in a test namespace", async () => {
    const executor = await connect({ servers: urls.natsUrl, ...natsAuth('test-executor') });
    try {
      const js = jetstream(executor, { timeout: 3_000 });
      // accept a task (the ingress's job: the claim, and a task due at once to the executors)
      await expect(js.publish(names.subjects.claim('default', 'forged'), 'x')).rejects.toThrow(/permission/i);
      await expect(js.publish(names.subjects.directRun('default', 'fn', 'forged'), 'x')).rejects.toThrow(
        /permission/i,
      );
      // delete a stream (nobody's job but an admin's)
      const jsm = await jetstreamManager(executor, { timeout: 3_000 });
      await expect(jsm.streams.delete(names.streams.tasks)).rejects.toThrow(/permission/i);
      // and what it does is allowed: an event, and a line of task log
      await expect(
        js.publish(names.subjects.event('default', 'fn', 'TaskStarted'), '{}'),
      ).resolves.toMatchObject({ stream: names.streams.events });
      const logs = await new Kvm(executor).open(names.kv.logs);
      await expect(logs.put('default.task.1', 'log')).resolves.toBeGreaterThan(0);
    } finally {
      await executor.close();
    }
    // The stream is still there.
    const jsm = await jetstreamManager(admin);
    await expect(jsm.streams.info(names.streams.tasks)).resolves.toBeDefined();
  });

  it("refuses the services' users what is not theirs in the production namespace, and test users all of it", async () => {
    const production = createNames(process.env.ASYNCFN_NAMESPACE ?? DEFAULT_NAMESPACE);
    const refused = async (user: string, subject: string) => {
      const nc = await connect({ servers: urls.natsUrl, ...natsAuth(user) });
      try {
        await expect(nc.request(subject, '{}', { timeout: 3_000 }), `${user} → ${subject}`).rejects.toThrow(
          /permission/i,
        );
      } finally {
        await nc.close();
      }
    };
    // The executor rewriting a function's configuration, or accepting a task; the status service
    // deleting a stream.
    await refused('executor', `$KV.${production.kv.functions}.default.fn`);
    await refused('executor', production.subjects.claim('default', 'forged'));
    await refused('status', `$JS.API.STREAM.DELETE.${production.streams.events}`);
    // A test service touching production's records at all.
    await refused('test-ingress', `$KV.${production.kv.functions}.default.fn`);
    await refused('test-ingress', production.subjects.task('default', 'fn', 'forged'));
    await refused('test-status', `$JS.API.STREAM.INFO.${production.streams.tasks}`);
  });

  it('each service connects as its own user', async () => {
    stack = await stackStarted;
    const res = await fetch(`${NATS_MONITOR}/connz?auth=true&limit=4096`);
    const connz = (await res.json()) as { connections: { name?: string; authorized_user?: string }[] };
    for (const service of SERVICE_NAMES) {
      const users = connz.connections
        // This stack's connections (named with its namespace; `npm run up`'s may be there too).
        .filter((c) => c.name === `asyncfn-${service}@${names.namespace}`)
        .map((c) => c.authorized_user);
      expect(users.length, service).toBeGreaterThan(0);
      // scripts/stack.ts runs a test stack's services as their test users
      expect(new Set(users), service).toEqual(new Set([`test-${service}`]));
    }
  }, 180_000); // the five services start in beforeAll: as long as the hooks may take
});

describe.runIf(localServers)('MongoDB wire server (FerretDB) and PostgreSQL', () => {
  it('FerretDB refuses a client without credentials', async () => {
    const anonymous = new URL(urls.mongoUrl);
    anonymous.username = '';
    anonymous.password = '';
    anonymous.search = '';
    const client = new MongoClient(anonymous.toString(), { serverSelectionTimeoutMS: 5_000 });
    try {
      await expect(client.db(names.database).collection('functions').findOne({})).rejects.toThrow();
      await expect(client.db(names.database).collection('probe').insertOne({ x: 1 })).rejects.toThrow();
    } finally {
      await client.close();
    }
    // With the credentials it works.
    const authed = new MongoClient(urls.mongoUrl, { serverSelectionTimeoutMS: 5_000 });
    try {
      await expect(authed.db(names.database).collection('probe').insertOne({ x: 1 })).resolves.toBeDefined();
    } finally {
      await authed.close();
    }
  });

  it('PostgreSQL asks every client for a password (SCRAM), never trusts one', async () => {
    for (const user of ['postgres', 'asyncfn']) {
      expect(await postgresAuthRequest(user), user).toBe(AUTH_SASL);
    }
  });
});

const AUTH_SASL = 10;

/**
 * Sends a PostgreSQL startup message and returns the authentication request the server answers
 * with: 0 would be "AuthenticationOk" (trust), 10 is SASL (scram-sha-256).
 */
function postgresAuthRequest(user: string): Promise<number> {
  const params = Buffer.from(`user\0${user}\0database\0postgres\0\0`);
  const startup = Buffer.alloc(8 + params.length);
  startup.writeInt32BE(startup.length, 0);
  startup.writeInt32BE(196608, 4); // protocol 3.0
  params.copy(startup, 8);
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: '127.0.0.1', port: 54329 }, () => socket.write(startup));
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer from PostgreSQL')));
    socket.once('data', (data) => {
      socket.destroy();
      if (data[0] !== 'R'.charCodeAt(0))
        reject(new Error(`unexpected message ${String.fromCharCode(data[0]!)}`));
      else resolve(data.readInt32BE(5));
    });
    socket.once('error', reject);
  });
}
