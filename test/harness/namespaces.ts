import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { MongoClient } from 'mongodb';
import { createNames } from '@asyncfn/contracts';
import { destroyTopology } from '@asyncfn/nats';

/*
 * Every integration test file works in a namespace of its own (testNames): its streams, KV buckets
 * and database. They are dropped when the run ends, so repeated runs on a machine do not pile up
 * thousands of streams in the local servers' data.
 */

const STREAM_SUFFIXES = Object.values(createNames('x').streams).map((name) => name.slice('X'.length));

/** As testNames() makes them (`t_<prefix>_<time><random>`), so no other namespace is ever taken for one. */
const TEST_NAMESPACE = /^t_[a-z0-9_]+_[a-z0-9]{9,}$/;

/** The test namespace of a stream (`T_<NS>_TASKS`) or a KV bucket's stream (`KV_t_<ns>-stops`). */
export function testNamespaceOf(stream: string): string | undefined {
  let namespace: string | undefined;
  if (stream.startsWith('KV_')) namespace = stream.slice('KV_'.length, stream.lastIndexOf('-'));
  else {
    const suffix = STREAM_SUFFIXES.find((s) => stream.endsWith(s));
    namespace = suffix && stream.slice(0, -suffix.length).toLowerCase();
  }
  return namespace && TEST_NAMESPACE.test(namespace) ? namespace : undefined;
}

export async function dropNamespaces(
  urls: { natsUrl: string; mongoUrl: string },
  namespaces: readonly string[],
): Promise<void> {
  if (namespaces.length === 0) return;
  const nc = await connect({ servers: urls.natsUrl, timeout: 5_000 });
  const mongo = new MongoClient(urls.mongoUrl, { serverSelectionTimeoutMS: 5_000 });
  try {
    for (const namespace of namespaces) {
      await destroyTopology(nc, createNames(namespace));
      await mongo.db(namespace).dropDatabase();
    }
  } finally {
    await mongo.close();
    await nc.close();
  }
}

/** Test namespaces created more than `olderThanMs` ago: left by runs that were killed, or by older versions. */
export async function staleTestNamespaces(natsUrl: string, olderThanMs: number): Promise<string[]> {
  const nc = await connect({ servers: natsUrl, timeout: 5_000 });
  try {
    const jsm = await jetstreamManager(nc);
    const stale = new Set<string>();
    for await (const info of jsm.streams.list()) {
      const namespace = testNamespaceOf(info.config.name);
      if (namespace && Date.now() - Date.parse(info.created) > olderThanMs) stale.add(namespace);
    }
    return [...stale];
  } finally {
    await nc.close();
  }
}
