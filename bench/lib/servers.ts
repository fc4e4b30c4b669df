import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readSetting } from '@asyncfn/config';
import { ROOT } from '../../scripts/stack.js';
import { sleep } from './clock.js';

/*
 * The local servers (deploy/local/servers.sh), started the way the integration tests start them:
 * what is already up is used as it is; what the bench starts, it stops at the end (unless
 * ASYNCFN_KEEP_SERVERS=1). A server another session is restarting (mongo being switched, say) is
 * waited for, a bounded number of times.
 */

const SCRIPT = join(ROOT, 'deploy', 'local', 'servers.sh');

export type ServerName = 'nats' | 'mongo' | 'kafka' | 'jaeger';

function running(names: readonly ServerName[]): Set<ServerName> {
  const out = spawnSync('bash', [SCRIPT, 'status', ...names], { encoding: 'utf8' }).stdout ?? '';
  return new Set(names.filter((s) => new RegExp(`^${s}: (up|external)`, 'm').test(out)));
}

export interface Servers {
  startedHere: ServerName[];
  stop(): void;
}

export async function ensureServers(names: readonly ServerName[], attempts = 3): Promise<Servers> {
  const before = running(names);
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      const missing = names.filter((s) => !running([s]).has(s));
      if (missing.length > 0) {
        execFileSync('bash', [SCRIPT, 'start', ...missing], { stdio: ['ignore', 'inherit', 'inherit'] });
      }
      const up = running(names);
      if (names.every((s) => up.has(s))) {
        const startedHere = names.filter((s) => !before.has(s));
        return {
          startedHere,
          stop() {
            if (startedHere.length > 0 && !readSetting('ASYNCFN_KEEP_SERVERS')) {
              execFileSync('bash', [SCRIPT, 'stop', ...startedHere], {
                stdio: ['ignore', 'inherit', 'inherit'],
              });
            }
          },
        };
      }
      lastError = new Error(`not up: ${names.filter((s) => !up.has(s)).join(', ')}`);
    } catch (err) {
      lastError = err;
    }
    console.warn(`servers not ready (${(lastError as Error).message.split('\n')[0]}); retrying in 10 s`);
    await sleep(10_000);
  }
  throw new Error(`local servers could not be started: ${(lastError as Error).message}`);
}
