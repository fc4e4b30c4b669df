import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ROOT, SERVICE_NAMES, serviceArgs } from './stack.js';
import { ensureConsoleBuilt } from './console-build.js';

/** npm start: the five services in the foreground, their output prefixed; Ctrl-C stops them cleanly. */
const children: ChildProcess[] = [];
let stopping = false;
ensureConsoleBuilt();

for (const service of SERVICE_NAMES) {
  const child = spawn(process.execPath, serviceArgs(service), {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', (line) => console.log(`[${service}] ${line}`));
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[${service}] exited (${signal ?? code}); stopping the others`);
      stop(1);
    }
  });
}

function stop(exitCode = 0): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  const force = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), 10_000);
  void Promise.all(
    children.map((c) =>
      c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)),
    ),
  ).then(() => {
    clearTimeout(force);
    process.exit(exitCode);
  });
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
