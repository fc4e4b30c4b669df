import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SERVICE_NAMES, SERVICE_PORTS, readSetting, type ServiceName } from '@asyncfn/config';

/*
 * Starting and stopping the five services as real processes: in the background (npm run up),
 * in the foreground (npm start), and per test file with its own namespace and ports.
 */

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CACHE = readSetting('ASYNCFN_CACHE');

export const mainOf = (service: ServiceName) => join(ROOT, 'services', service, 'src', 'main.ts');
export const portVar = (service: ServiceName) => `ASYNCFN_${service.toUpperCase()}_PORT`;

/** The telemetry preload: starts OpenTelemetry before the service's modules load (see its header). */
export const TELEMETRY_PRELOAD = join(ROOT, 'libs', 'telemetry', 'src', 'register.ts');

/** ASYNCFN_NODE_ARGS adds node flags to every service, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile. */
const extraNodeArgs = readSetting('ASYNCFN_NODE_ARGS');

export function serviceArgs(service: ServiceName): string[] {
  return [
    ...extraNodeArgs,
    '--import',
    'tsx',
    '--import',
    pathToFileURL(TELEMETRY_PRELOAD).href,
    mainOf(service),
  ];
}

const SERVICE_READY_TIMEOUT_MS = 100_000;

export async function isReady(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1_000) });
    return res.ok;
  } catch {
    return false;
  }
}

export async function waitReady(
  port: number,
  timeoutMs: number,
  alive: () => boolean = () => true,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isReady(port)) return true;
    if (!alive()) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

export function tail(file: string, lines = 20): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** A set of the five services started by a test, with its own namespace and ports. */
export interface Stack {
  namespace: string;
  ports: Record<ServiceName, number>;
  ingressUrl: string;
  env: Record<string, string>;
  start(service: ServiceName): Promise<void>;
  /** SIGKILL, as a crash would. */
  kill(service: ServiceName): void;
  stop(service: ServiceName): Promise<void>;
  stopAll(): Promise<void>;
  logFile(service: ServiceName): string;
}

export async function startStack(options: {
  namespace: string;
  portBase: number;
  env?: Record<string, string>;
  services?: ServiceName[];
}): Promise<Stack> {
  // Several checkouts may run their tests at once on one machine: each picks its own offset.
  const portBase = options.portBase + readSetting('ASYNCFN_TEST_PORT_OFFSET');
  const ports = Object.fromEntries(SERVICE_NAMES.map((s, i) => [s, portBase + i])) as Record<
    ServiceName,
    number
  >;
  const logDir = join(CACHE, 'logs', 'test', options.namespace);
  mkdirSync(logDir, { recursive: true });
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ASYNCFN_NAMESPACE: options.namespace,
    // The services' test users: any namespace but the production one (docs/control-plane-auth.md).
    ASYNCFN_NATS_USER_PREFIX: 'test-',
    ASYNCFN_CODE_CACHE: join(CACHE, 'test-code', options.namespace),
    LOG_LEVEL: readSetting('LOG_LEVEL'),
    ...Object.fromEntries(SERVICE_NAMES.map((s) => [portVar(s), String(ports[s])])),
    ...options.env,
  };
  const children = new Map<ServiceName, ChildProcess>();
  const logFile = (s: ServiceName) => join(logDir, `${s}.log`);

  const stack: Stack = {
    namespace: options.namespace,
    ports,
    ingressUrl: `http://127.0.0.1:${ports.ingress}`,
    env,
    logFile,
    async start(service) {
      const fd = openSync(logFile(service), 'a');
      const child = spawn(process.execPath, serviceArgs(service), {
        cwd: ROOT,
        env,
        stdio: ['ignore', fd, fd],
      });
      closeSync(fd);
      children.set(service, child);
      const ready = await waitReady(
        ports[service],
        // Generous, within the 120 s of the test files' set-up: a loaded machine took over a minute.
        SERVICE_READY_TIMEOUT_MS,
        () => child.exitCode === null && child.signalCode === null,
      );
      if (!ready) throw new Error(`asyncfn-${service} did not become ready:\n${tail(logFile(service))}`);
    },
    kill(service) {
      children.get(service)?.kill('SIGKILL');
      children.delete(service);
    },
    async stop(service) {
      const child = children.get(service);
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      children.delete(service);
    },
    async stopAll() {
      await Promise.all([...children.keys()].map((s) => stack.stop(s)));
    },
  };
  const results = await Promise.allSettled((options.services ?? SERVICE_NAMES).map((s) => stack.start(s)));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await stack.stopAll();
    throw failure.reason;
  }
  return stack;
}

/** Background services for npm run up / down: pid files next to the servers'. */
export const pidFile = (s: ServiceName) => join(CACHE, 'run', `asyncfn-${s}.pid`);
export const serviceLog = (s: ServiceName) => join(CACHE, 'logs', `asyncfn-${s}.log`);

export function readPid(service: ServiceName): number | undefined {
  const file = pidFile(service);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function writePid(service: ServiceName, pid: number): void {
  mkdirSync(dirname(pidFile(service)), { recursive: true });
  writeFileSync(pidFile(service), `${pid}\n`);
}

export function removePid(service: ServiceName): void {
  rmSync(pidFile(service), { force: true });
}

export { SERVICE_NAMES, SERVICE_PORTS, type ServiceName };
