import { appendFileSync } from 'node:fs';
import { inject } from 'vitest';
import { readSetting } from '@asyncfn/config';
import { createNames, type Names } from '@asyncfn/contracts';
import { storageUrls } from './storage.js';

export { storageUrls, type StorageUrls } from './storage.js';

/** Server URLs for this test run: set by the environment, by testcontainers, or the local defaults. */
export function serverUrls() {
  const provided = inject('serverEnv') ?? {};
  const env = { ...process.env, ...provided };
  return {
    ...storageUrls(env),
    kafkaBrokers: readSetting('KAFKA_BROKERS', env),
    otlpEndpoint: readSetting('OTEL_EXPORTER_OTLP_ENDPOINT', env),
    jaegerQueryUrl: readSetting('JAEGER_QUERY_URL', env),
    env: provided,
  };
}

/**
 * A namespace of its own for a test file: streams, buckets and the database are all separate.
 * Recorded for the global setup, which drops it when the run ends.
 */
export function testNames(prefix: string): Names {
  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const names = createNames(`t_${prefix}_${suffix}`.toLowerCase().slice(0, 40));
  const log = inject('namespaceLog');
  if (log) appendFileSync(log, `${names.namespace}\n`);
  return names;
}
