import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { dropTaskSchema } from '@asyncfn/postgres';
import { createNames } from '@asyncfn/contracts';
import { destroyTopology } from '@asyncfn/nats';
import type { StorageUrls } from './storage.js';

/*
 * Every integration test file works in a namespace of its own (testNames), and so does every bench
 * run: its streams, KV buckets and database. Tests drop theirs when the run ends, the bench when it
 * closes; namespaces that runs which were killed left behind are dropped by the next run, so the
 * local servers' data does not pile up thousands of streams.
 */

/** A kind of throwaway namespace: its name's shape, and the streams it has beyond asyncfn's own. */
export interface NamespaceKind {
  /** Only names of this shape are ever taken for one (never another namespace of the same servers). */
  pattern: RegExp;
  extraStreamSuffixes: readonly string[];
}

/** As testNames() makes them: `t_<prefix>_<time><random>`. */
export const TEST_NAMESPACES: NamespaceKind = {
  pattern: /^t_[a-z0-9_]+_[a-z0-9]{9,}$/,
  extraStreamSuffixes: [],
};
/** As the bench makes them: `bench_<time>`, with the raw JetStream peer's `<NS>_PEER` stream. */
export const BENCH_NAMESPACES: NamespaceKind = {
  pattern: /^bench_[a-z0-9]{8,}$/,
  extraStreamSuffixes: ['_PEER'],
};

const STREAM_SUFFIXES = Object.values(createNames('x').streams).map((name) => name.slice('X'.length));

/** The namespace of a stream (`T_<NS>_TASKS`) or a KV bucket's stream (`KV_t_<ns>-stops`), if of this kind. */
export function namespaceOf(stream: string, kind: NamespaceKind): string | undefined {
  let namespace: string | undefined;
  if (stream.startsWith('KV_')) namespace = stream.slice('KV_'.length, stream.lastIndexOf('-'));
  else {
    const suffix = [...STREAM_SUFFIXES, ...kind.extraStreamSuffixes].find((s) => stream.endsWith(s));
    namespace = suffix && stream.slice(0, -suffix.length).toLowerCase();
  }
  return namespace && kind.pattern.test(namespace) ? namespace : undefined;
}

export async function dropNamespaces(
  urls: StorageUrls,
  namespaces: readonly string[],
  kind: NamespaceKind = TEST_NAMESPACES,
): Promise<void> {
  if (namespaces.length === 0) return;
  const nc = await connect({ servers: urls.natsUrl, timeout: 5_000, ...urls.natsAuth });
  const mongo = new MongoClient(urls.mongoUrl, { serverSelectionTimeoutMS: 5_000 });
  // The task store `postgresql` keeps a schema per namespace (none when it was never used).
  const postgres = urls.postgresUrl
    ? new pg.Pool({ connectionString: urls.postgresUrl, max: 1, connectionTimeoutMillis: 5_000 })
    : undefined;
  try {
    const jsm = await jetstreamManager(nc);
    for (const namespace of namespaces) {
      await destroyTopology(nc, createNames(namespace));
      for (const suffix of kind.extraStreamSuffixes) {
        await jsm.streams.delete(`${namespace.toUpperCase()}${suffix}`).catch(() => undefined);
      }
      await mongo.db(namespace).dropDatabase();
      if (postgres) await dropTaskSchema(postgres, namespace);
    }
  } finally {
    await postgres?.end();
    await mongo.close();
    await nc.close();
  }
}

/** Namespaces of a kind created more than `olderThanMs` ago: left by runs that were killed, or by older versions. */
export async function staleNamespaces(
  urls: Pick<StorageUrls, 'natsUrl' | 'natsAuth'>,
  olderThanMs: number,
  kind: NamespaceKind = TEST_NAMESPACES,
): Promise<string[]> {
  const nc = await connect({ servers: urls.natsUrl, timeout: 5_000, ...urls.natsAuth });
  try {
    const jsm = await jetstreamManager(nc);
    const stale = new Set<string>();
    for await (const info of jsm.streams.list()) {
      const namespace = namespaceOf(info.config.name, kind);
      if (namespace && Date.now() - Date.parse(info.created) > olderThanMs) stale.add(namespace);
    }
    return [...stale];
  } finally {
    await nc.close();
  }
}
