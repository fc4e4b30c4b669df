import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { readSetting } from '@asyncfn/config';
import { ROOT } from '../../scripts/stack.js';
import { storageUrls } from './env.js';
import { dropNamespaces, staleNamespaces } from './namespaces.js';

/*
 * Integration tests run against real servers. URLs come from the environment (NATS_URL,
 * MONGO_URL, KAFKA_BROKERS, OTEL_EXPORTER_OTLP_ENDPOINT, JAEGER_QUERY_URL); for those not set,
 * deploy/local installs (first time) and starts the server on loopback. With a Docker engine and
 * ASYNCFN_TESTCONTAINERS=1, testcontainers starts them instead. What this setup started, it stops.
 */

const SERVERS = ['nats', 'mongo', 'kafka', 'jaeger'] as const;
const servers = join(ROOT, 'deploy', 'local', 'servers.sh');

function runningServers(): Set<string> {
  const out = spawnSync('bash', [servers, 'status'], { encoding: 'utf8' }).stdout ?? '';
  return new Set(SERVERS.filter((s) => new RegExp(`^${s}: up`, 'm').test(out)));
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (readSetting('ASYNCFN_TESTCONTAINERS')) {
    const { startContainers } = await import('./containers.js');
    const containers = await startContainers();
    Object.assign(process.env, containers.env);
    project.provide('serverEnv', containers.env);
    return () => containers.stop();
  }
  const before = runningServers();
  // Inherit output so a first install shows its progress; fails with one clear line per server.
  execFileSync('bash', [servers, 'start'], { stdio: 'inherit', env: process.env });
  const startedHere = SERVERS.filter((s) => !before.has(s) && runningServers().has(s));
  project.provide('serverEnv', {});
  const urls = storageUrls(process.env);
  // testNames() appends each namespace it hands out; the run drops them all at its end.
  const runDir = mkdtempSync(join(tmpdir(), 'asyncfn-test-run-'));
  const namespaceLog = join(runDir, 'namespaces');
  project.provide('namespaceLog', namespaceLog);
  await cleanUp('namespaces left by earlier runs', () =>
    staleNamespaces(urls, STALE_AFTER_MS).then((stale) => dropNamespaces(urls, stale)),
  );
  return async () => {
    const used = existsSync(namespaceLog) ? readFileSync(namespaceLog, 'utf8').split('\n') : [];
    const namespaces = [...new Set(used.filter(Boolean))];
    rmSync(runDir, { recursive: true, force: true });
    // To look at what a failing test left: ASYNCFN_KEEP_TEST_DATA=1 (the next run drops it after an hour).
    if (readSetting('ASYNCFN_KEEP_TEST_DATA')) console.warn(`kept test namespaces: ${namespaces.join(' ')}`);
    else await cleanUp("this run's namespaces", () => dropNamespaces(urls, namespaces));
    if (startedHere.length > 0 && !readSetting('ASYNCFN_KEEP_SERVERS')) {
      execFileSync('bash', [servers, 'stop', ...startedHere], { stdio: 'inherit' });
    }
  };
}

/** Older than a whole test run: nobody is using them any more. */
const STALE_AFTER_MS = 60 * 60 * 1000;

/** Dropping test data is housekeeping: a failure is reported and never fails the run. */
async function cleanUp(what: string, drop: () => Promise<void>): Promise<void> {
  try {
    await drop();
  } catch (err) {
    console.warn(`could not drop ${what}: ${(err as Error).message}`);
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    serverEnv: Record<string, string>;
    /** File where testNames() records the namespaces of this run. */
    namespaceLog: string;
  }
}
