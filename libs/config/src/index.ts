import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_NAMESPACE } from '@asyncfn/contracts';
import { DEFAULT_LOCAL_ACCESS_KEYS } from '@asyncfn/auth';
import { accessKeys, mongoUrl, natsAuth, type NatsAuth } from './secrets.js';

export * from './secrets.js';

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
  /** This service's NATS user and password (from a file), when the server requires them. */
  natsAuth: NatsAuth | undefined;
  /** With credentials: never log it unredacted. */
  mongoUrl: string;
  kafkaBrokers: string[];
  otlpEndpoint: string;
  jaegerQueryUrl: string;
  host: string;
  port: number;
  /** `id:secret:tenant,…`, from a file (ASYNCFN_ACCESS_KEYS_FILE) or ASYNCFN_ACCESS_KEYS. */
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
  /**
   * CPU niceness the service lowers itself to (0–19): on a machine shared with the other services,
   * a higher value yields the CPU to them when it is contended (README, "CPU priority").
   */
  cpuNice: number;
}

type Env = Record<string, string | undefined>;

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
    natsAuth: natsAuth(service, env),
    mongoUrl: mongoUrl(env),
    kafkaBrokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://127.0.0.1:4318',
    jaegerQueryUrl: env.JAEGER_QUERY_URL ?? 'http://127.0.0.1:16686',
    host: env.ASYNCFN_HOST ?? '127.0.0.1',
    port: int(env, portVar, SERVICE_PORTS[service]),
    accessKeys: service === 'ingress' ? accessKeys(env, DEFAULT_LOCAL_ACCESS_KEYS) : '',
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
    cpuNice: int(env, niceVar, 0, 0, 19),
  };
}
