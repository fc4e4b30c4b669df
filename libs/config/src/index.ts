import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_NAMESPACE } from '@asyncfn/contracts';
import { DEFAULT_LOCAL_ACCESS_KEYS } from '@asyncfn/auth';

export const SERVICE_PORTS = {
  ingress: 9000,
  dispatcher: 9101,
  executor: 9102,
  status: 9103,
  destination: 9104,
} as const;
export type ServiceName = keyof typeof SERVICE_PORTS;
export const SERVICE_NAMES = Object.keys(SERVICE_PORTS) as ServiceName[];

export interface Config {
  namespace: string;
  natsUrl: string;
  mongoUrl: string;
  kafkaBrokers: string[];
  otlpEndpoint: string;
  jaegerQueryUrl: string;
  host: string;
  port: number;
  accessKeys: string;
  /** Task history retention (TTL index), seconds. */
  retentionSeconds: number;
  maxAsyncPayloadBytes: number;
  maxSyncPayloadBytes: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  codeCacheDir: string;
  instanceIdleMs: number;
  /** Tasks Enqueued this long whose message is not in the queue are checked, and queued, by the sweeper. */
  sweepAfterMs: number;
  /** How long the status service holds a task's events to write them together (0: never). */
  statusCoalesceMs: number;
  /**
   * How long the status service holds a task's claim for the task's next event (a task waiting in
   * the queue); listed tasks may show up this much later while the queue has a backlog.
   */
  statusClaimHoldMs: number;
  /** How often queue depth per function is read from JetStream for /metrics. */
  queueDepthRefreshMs: number;
  logLevel: string;
  /** How function instances are confined (docs/security.md). */
  sandbox: SandboxConfig;
  /**
   * CPU niceness the service lowers itself to (0–19): on a machine shared with the other services,
   * a higher value yields the CPU to them when it is contended (README, "CPU priority").
   */
  cpuNice: number;
}

/** The executor's sandbox settings (`@asyncfn/runtime`'s SandboxOptions; docs/security.md). */
export interface SandboxConfig {
  /** `bwrap` (default) or `none`: unconfined, development only (the executor warns at start). */
  mode: 'bwrap' | 'none';
  /** Size cap of each instance's private /tmp, MB (FC: 512). */
  tmpSizeMB: number;
  /** Processes + threads per instance. */
  pidsMax: number;
  /** First uid/gid of the per-tenant range. */
  uidBase: number;
  /** Host loopback ports (TCP and UDP) a function with internet access may reach (operator allowlist). */
  hostPorts: number[];
  /**
   * Host directories bound read-write at the same path in every sandbox (tests watch functions
   * through them). Every tenant shares them: never a directory holding anything of value.
   */
  writableDirs: string[];
}

type Env = Record<string, string | undefined>;

function sandboxConfig(env: Env): SandboxConfig {
  const mode = env.ASYNCFN_SANDBOX ?? 'bwrap';
  if (mode !== 'bwrap' && mode !== 'none') {
    throw new Error(`ASYNCFN_SANDBOX: expected 'bwrap' (default) or 'none', got '${mode}'`);
  }
  const hostPorts = (env.ASYNCFN_SANDBOX_HOST_PORTS ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const n = Number(p);
      if (!Number.isInteger(n) || n < 1 || n > 65_535) {
        throw new Error(`ASYNCFN_SANDBOX_HOST_PORTS: expected ports separated by commas, got '${p}'`);
      }
      return n;
    });
  const writableDirs = (env.ASYNCFN_SANDBOX_WRITABLE_DIRS ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  for (const dir of writableDirs) {
    if (!dir.startsWith('/'))
      throw new Error(`ASYNCFN_SANDBOX_WRITABLE_DIRS: '${dir}' is not an absolute path`);
  }
  return {
    mode,
    writableDirs,
    tmpSizeMB: int(env, 'ASYNCFN_SANDBOX_TMP_MB', 512, 1, 1_048_576),
    pidsMax: int(env, 'ASYNCFN_SANDBOX_PIDS_MAX', 256, 16, 1_000_000),
    uidBase: int(env, 'ASYNCFN_SANDBOX_UID_BASE', 100_000, 1_000, 3_000_000_000),
    hostPorts,
  };
}

function int(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `≥ ${min} and ≤ ${max}`;
    throw new Error(`${name}: expected an integer ${range}, got '${raw}'`);
  }
  return n;
}

/** Reads the configuration of one service from the environment; every URL has a loopback default. */
export function loadConfig(service: ServiceName, env: Env = process.env): Config {
  const cache = env.ASYNCFN_CACHE ?? join(homedir(), '.cache', 'asyncfn');
  const portVar = `ASYNCFN_${service.toUpperCase()}_PORT`;
  const niceVar = `ASYNCFN_${service.toUpperCase()}_NICE`;
  return {
    namespace: env.ASYNCFN_NAMESPACE ?? DEFAULT_NAMESPACE,
    natsUrl: env.NATS_URL ?? 'nats://127.0.0.1:4222',
    mongoUrl: env.MONGO_URL ?? 'mongodb://127.0.0.1:27017',
    kafkaBrokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://127.0.0.1:4318',
    jaegerQueryUrl: env.JAEGER_QUERY_URL ?? 'http://127.0.0.1:16686',
    host: env.ASYNCFN_HOST ?? '127.0.0.1',
    port: int(env, portVar, SERVICE_PORTS[service]),
    accessKeys: env.ASYNCFN_ACCESS_KEYS ?? DEFAULT_LOCAL_ACCESS_KEYS,
    retentionSeconds: int(env, 'ASYNCFN_TASK_RETENTION_SECONDS', 7 * 24 * 3600, 60),
    maxAsyncPayloadBytes: int(env, 'ASYNCFN_MAX_ASYNC_PAYLOAD_BYTES', 128 * 1024, 1),
    maxSyncPayloadBytes: int(env, 'ASYNCFN_MAX_SYNC_PAYLOAD_BYTES', 512 * 1024, 1),
    retryBaseDelayMs: int(env, 'ASYNCFN_RETRY_BASE_MS', 1_000),
    retryMaxDelayMs: int(env, 'ASYNCFN_RETRY_MAX_MS', 60_000),
    codeCacheDir: env.ASYNCFN_CODE_CACHE ?? join(cache, 'code'),
    instanceIdleMs: int(env, 'ASYNCFN_INSTANCE_IDLE_MS', 60_000),
    sweepAfterMs: int(env, 'ASYNCFN_SWEEP_AFTER_MS', 30_000, 1_000),
    statusCoalesceMs: int(env, 'ASYNCFN_STATUS_COALESCE_MS', 100, 0),
    statusClaimHoldMs: int(env, 'ASYNCFN_STATUS_CLAIM_HOLD_MS', 2_000, 0),
    queueDepthRefreshMs: int(env, 'ASYNCFN_QUEUE_DEPTH_REFRESH_MS', 5_000, 100),
    logLevel: env.LOG_LEVEL ?? 'info',
    sandbox: sandboxConfig(env),
    cpuNice: int(env, niceVar, 0, 0, 19),
  };
}
