import { readSetting } from './read.js';
import type { Env, ServiceName } from './settings.js';
import { accessKeys, mongoUrl, natsAuth, postgresUrl, type NatsAuth } from './secrets.js';

export * from './secrets.js';

export { readSetting } from './read.js';
export {
  SERVICE_NAMES,
  SERVICE_PORTS,
  SETTINGS,
  SETTING_GROUPS,
  type Env,
  type ServiceName,
  type Setting,
  type SettingGroup,
  type SettingName,
  type SettingValue,
} from './settings.js';
export { CONFIG_DOCS_END, CONFIG_DOCS_START, configDocs, withConfigDocs } from './docs.js';

export interface Config {
  namespace: string;
  natsUrl: string;
  /** This service's NATS user and password (from a file), when the server requires them. */
  natsAuth: NatsAuth | undefined;
  /** With credentials: never log it unredacted. */
  mongoUrl: string;
  /** Where tasks are kept: MongoDB (mongoUrl) or PostgreSQL (postgresUrl). */
  taskStore: 'mongodb' | 'postgresql';
  /** With credentials: never log it unredacted. Read only with taskStore `postgresql`. */
  postgresUrl: string;
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
  /** How long a service's outgoing NATS messages gather before one write (not the ingress's). */
  natsFlushMs: number;
  logLevel: string;
  /** Bulk stop / re-run operations act on at most this many tasks a second (per operation). */
  bulkTasksPerSecond: number;
  /** A bulk operation whose runner has not saved progress for this long is resumed by another runner. */
  bulkLeaseMs: number;
  /** How function instances are confined (docs/security.md). */
  sandbox: SandboxConfig;
  /**
   * CPU niceness the service lowers itself to (0–19): on a machine shared with the other services,
   * a higher value yields the CPU to them when it is contended (docs/design.md, "CPU priority").
   */
  cpuNice: number;
  /**
   * Interpreter per native Python runtime (ASYNCFN_PYTHON_BINARIES, `runtime=path,...`; a
   * `python3` entry covers every Python runtime). Empty: all run on the host's python3.
   */
  pythonBinaries: Record<string, string>;
  /** Ingress: the web console's built files (console/dist). */
  consoleDir: string;
  /** Ingress: how long a console sign-in lasts. */
  consoleSessionTtlSeconds: number;
  /** Ingress: the other services' Prometheus endpoints, read for the console's metrics page. */
  metricsSources: string[];
  /**
   * Whether async invocations of a function whose async config does not say (no config, or one
   * without asyncTask) are recorded as tasks.
   */
  defaultTaskMode: boolean;
  /** Running attempts allowed per tenant across all its functions (0: no cap). */
  tenantConcurrencyLimit: number;
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

function sandboxConfig(env: Env): SandboxConfig {
  const read = <N extends Parameters<typeof readSetting>[0]>(name: N) => readSetting(name, env);
  return {
    mode: read('ASYNCFN_SANDBOX') as SandboxConfig['mode'],
    tmpSizeMB: read('ASYNCFN_SANDBOX_TMP_MB'),
    pidsMax: read('ASYNCFN_SANDBOX_PIDS_MAX'),
    uidBase: read('ASYNCFN_SANDBOX_UID_BASE'),
    hostPorts: read('ASYNCFN_SANDBOX_HOST_PORTS'),
    writableDirs: read('ASYNCFN_SANDBOX_WRITABLE_DIRS'),
  };
}

/**
 * The configuration every service shares, from the environment (settings.ts says what each
 * variable means); every URL has a loopback default.
 */
export function loadConfig(service: ServiceName, env: Env = process.env): Config {
  const svc = service.toUpperCase() as Uppercase<ServiceName>;
  const read = <N extends Parameters<typeof readSetting>[0]>(name: N) => readSetting(name, env);
  return {
    namespace: read('ASYNCFN_NAMESPACE'),
    natsUrl: read('NATS_URL'),
    natsAuth: natsAuth(service, env),
    mongoUrl: mongoUrl(env),
    taskStore: read('ASYNCFN_TASK_STORE') as Config['taskStore'],
    postgresUrl: read('ASYNCFN_TASK_STORE') === 'postgresql' ? postgresUrl(env) : '',
    kafkaBrokers: read('KAFKA_BROKERS'),
    otlpEndpoint: read('OTEL_EXPORTER_OTLP_ENDPOINT'),
    jaegerQueryUrl: read('JAEGER_QUERY_URL'),
    host: read('ASYNCFN_HOST'),
    port: read(`ASYNCFN_${svc}_PORT`),
    // Only the ingress verifies signatures: no other service holds the AccessKeys.
    accessKeys: service === 'ingress' ? accessKeys(env, read('ASYNCFN_ACCESS_KEYS')) : '',
    retentionSeconds: read('ASYNCFN_TASK_RETENTION_SECONDS'),
    maxAsyncPayloadBytes: read('ASYNCFN_MAX_ASYNC_PAYLOAD_BYTES'),
    maxSyncPayloadBytes: read('ASYNCFN_MAX_SYNC_PAYLOAD_BYTES'),
    retryBaseDelayMs: read('ASYNCFN_RETRY_BASE_MS'),
    retryMaxDelayMs: read('ASYNCFN_RETRY_MAX_MS'),
    codeCacheDir: read('ASYNCFN_CODE_CACHE'),
    instanceIdleMs: read('ASYNCFN_INSTANCE_IDLE_MS'),
    sweepAfterMs: read('ASYNCFN_SWEEP_AFTER_MS'),
    statusCoalesceMs: read('ASYNCFN_STATUS_COALESCE_MS'),
    statusClaimHoldMs: read('ASYNCFN_STATUS_CLAIM_HOLD_MS'),
    queueDepthRefreshMs: read('ASYNCFN_QUEUE_DEPTH_REFRESH_MS'),
    natsFlushMs: read('ASYNCFN_NATS_FLUSH_MS'),
    logLevel: read('LOG_LEVEL'),
    cpuNice: read(`ASYNCFN_${svc}_NICE`),
    pythonBinaries: read('ASYNCFN_PYTHON_BINARIES'),
    bulkTasksPerSecond: read('ASYNCFN_BULK_TASKS_PER_SECOND'),
    bulkLeaseMs: read('ASYNCFN_BULK_LEASE_MS'),
    consoleDir: read('ASYNCFN_CONSOLE_DIR'),
    consoleSessionTtlSeconds: read('ASYNCFN_CONSOLE_SESSION_TTL_SECONDS'),
    metricsSources: read('ASYNCFN_METRICS_SOURCES'),
    defaultTaskMode: read('ASYNCFN_DEFAULT_TASK_MODE'),
    tenantConcurrencyLimit: read('ASYNCFN_TENANT_CONCURRENCY'),
    sandbox: sandboxConfig(env),
  };
}
