import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  ROOT,
  SERVICE_NAMES,
  isAlive,
  isReady,
  readPid,
  removePid,
  serviceArgs,
  serviceLog,
  tail,
  waitReady,
  writePid,
  type ServiceName,
} from './stack.js';
import { loadConfig } from '@asyncfn/config';

/*
 * npm run up / down for the five services: `up` starts each in the background (detached, its log
 * in the cache) unless it already answers, and returns when all are ready; `down` stops them.
 */

const READY_TIMEOUT_MS = 90_000;

async function up(): Promise<void> {
  const started: ServiceName[] = [];
  for (const service of SERVICE_NAMES) {
    const { port } = loadConfig(service);
    const pid = readPid(service);
    if ((pid && isAlive(pid)) || (await isReady(port))) continue;
    const log = serviceLog(service);
    mkdirSync(dirname(log), { recursive: true });
    const fd = openSync(log, 'a');
    const child = spawn(process.execPath, serviceArgs(service), {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    child.unref();
    writePid(service, child.pid!);
    started.push(service);
  }
  let failed = false;
  await Promise.all(
    SERVICE_NAMES.map(async (service) => {
      const { port, host } = loadConfig(service);
      const pid = readPid(service);
      const ready = await waitReady(port, READY_TIMEOUT_MS, () => (pid ? isAlive(pid) : true));
      if (ready) {
        console.log(
          `asyncfn-${service.padEnd(11)} ready at http://${host}:${port}${service === 'ingress' ? ` (API; console at http://${host}:${port}/console/)` : ''}`,
        );
      } else {
        failed = true;
        console.error(
          `asyncfn-${service} did not become ready on port ${port}; log ${serviceLog(service)}:\n${tail(serviceLog(service))}`,
        );
      }
    }),
  );
  if (failed) process.exit(1);
}

async function down(): Promise<void> {
  await Promise.all(
    SERVICE_NAMES.map(async (service) => {
      const pid = readPid(service);
      if (!pid || !isAlive(pid)) {
        removePid(service);
        return;
      }
      process.kill(-pid, 'SIGTERM');
      const deadline = Date.now() + 10_000;
      while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (isAlive(pid)) process.kill(-pid, 'SIGKILL');
      removePid(service);
      console.log(`asyncfn-${service} stopped`);
    }),
  );
}

const command = process.argv[2];
if (command === 'up') await up();
else if (command === 'down') await down();
else {
  console.error('usage: tsx scripts/services.ts up|down');
  process.exit(2);
}
