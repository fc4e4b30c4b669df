import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { CACHE } from '../../scripts/stack.js';
import { sleep } from '../lib/clock.js';

/*
 * BullMQ's Redis: Debian's redis-server (installed here if missing: apt, idempotent), a private
 * instance on 127.0.0.1:6390 with an append-only file synced every second (BullMQ's recommended
 * durability; asyncfn's stores also persist) and no RDB snapshots, its data under the cache, fresh
 * for every bench, stopped at the end.
 */

export const REDIS_PORT = 6390;
const HOST = '127.0.0.1';

export interface RedisServer {
  pid: number;
  version: string;
  connection: { host: string; port: number };
  stop(): Promise<void>;
}

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** apt-get install redis-server, once; apt update only when the first try fails (a stale list). */
export function ensureRedisInstalled(): void {
  if (have('redis-server')) return;
  console.log('installing redis-server (Debian package) for the BullMQ peer ...');
  const apt = ['-o', 'DPkg::Lock::Timeout=300', '-y', '-q', '--no-install-recommends'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', [...apt, 'install', 'redis-server'], { env, stdio: 'ignore' });
  if (install().status !== 0) {
    spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', '-q', 'update'], { env, stdio: 'ignore' });
    if (install().status !== 0 || !have('redis-server')) {
      throw new Error('redis-server is missing and apt-get install redis-server failed');
    }
  }
}

async function ping(): Promise<boolean> {
  const r = new Redis({
    host: HOST,
    port: REDIS_PORT,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // Refused while the server starts: expected, not worth ioredis's "unhandled error" line.
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

export async function startRedis(): Promise<RedisServer> {
  ensureRedisInstalled();
  if (await ping()) {
    throw new Error(`something already answers on ${HOST}:${REDIS_PORT}; stop it (an earlier bench?) first`);
  }
  const dir = join(CACHE, 'bench', 'redis');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const version = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim();
  const proc: ChildProcess = spawn(
    'redis-server',
    [
      '--bind',
      HOST,
      '--port',
      String(REDIS_PORT),
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--daemonize',
      'no',
      '--logfile',
      join(dir, 'redis.log'),
      // BullMQ requires it: jobs must never be evicted.
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: 'ignore' },
  );
  let exited = false;
  proc.once('exit', () => (exited = true));
  for (let i = 0; i < 100 && !(await ping()); i++) {
    if (exited) throw new Error(`redis-server exited at start; see ${join(dir, 'redis.log')}`);
    await sleep(100);
  }
  if (!(await ping())) {
    proc.kill('SIGKILL');
    throw new Error(`redis-server did not answer on ${HOST}:${REDIS_PORT}`);
  }
  return {
    pid: proc.pid ?? -1,
    version,
    connection: { host: HOST, port: REDIS_PORT },
    async stop() {
      if (exited) return;
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
