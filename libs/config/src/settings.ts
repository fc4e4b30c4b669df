import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_LOCAL_ACCESS_KEY_ID,
  DEFAULT_LOCAL_ACCESS_KEY_SECRET,
  DEFAULT_LOCAL_ACCESS_KEYS,
} from '@asyncfn/auth';
import { DEFAULT_NAMESPACE } from '@asyncfn/contracts';
import {
  absolutePaths,
  binaryMap,
  flag,
  integer,
  list,
  oneOf,
  ports,
  text,
  words,
  type Kind,
} from './kinds.js';

/*
 * Every setting asyncfn reads from the environment, in one place: its name, kind, default and
 * meaning. Code reads them with readSetting (read.ts); `npm run docs:config` writes the README's
 * configuration table from this list, and a unit test fails while the two differ. The file is one
 * flat list on purpose (longer than ~300 lines): every setting is in one place to read.
 */

export type Env = Record<string, string | undefined>;

export const SERVICE_PORTS = {
  ingress: 9000,
  dispatcher: 9101,
  executor: 9102,
  status: 9103,
  destination: 9104,
} as const;
export type ServiceName = keyof typeof SERVICE_PORTS;
export const SERVICE_NAMES = Object.keys(SERVICE_PORTS) as ServiceName[];

/** Where settings are grouped in the README's table, in this order. */
export const SETTING_GROUPS = {
  servers: 'Servers',
  services: 'Every service',
  tasks: 'Tasks',
  ingress: 'Ingress',
  executor: 'Executor',
  status: 'Status service',
  destination: 'Destination service',
  telemetry: 'Telemetry',
  development: 'Development and tests',
} as const;
export type SettingGroup = keyof typeof SETTING_GROUPS;

export interface Setting<T> {
  kind: Kind<T>;
  /** Used when the variable is unset or empty; a function when it derives from other settings. */
  default: T | ((env: Env) => T);
  /** The default as the docs show it, where the value itself would not say it well. */
  shownDefault?: string;
  meaning: string;
  group: SettingGroup;
  /** Per-service settings share one row in the docs under this name (ASYNCFN_<SERVICE>_PORT). */
  row?: string;
}

const setting = <T>(s: Setting<T>): Setting<T> => s;

type PerService<Suffix extends string, T> = {
  [S in ServiceName as `ASYNCFN_${Uppercase<S>}_${Suffix}`]: Setting<T>;
};

function perService<Suffix extends string, T>(
  suffix: Suffix,
  make: (service: ServiceName) => Setting<T>,
): PerService<Suffix, T> {
  return Object.fromEntries(
    SERVICE_NAMES.map((s) => [`ASYNCFN_${s.toUpperCase()}_${suffix}`, make(s)]),
  ) as PerService<Suffix, T>;
}

const cacheDir = (env: Env): string => env.ASYNCFN_CACHE || join(homedir(), '.cache', 'asyncfn');

export const SETTINGS = {
  // Servers
  NATS_URL: setting({
    kind: text(),
    default: 'nats://127.0.0.1:4222',
    meaning: 'NATS with JetStream',
    group: 'servers',
  }),
  MONGO_URL: setting({
    kind: text(),
    default: 'mongodb://127.0.0.1:27017',
    meaning: 'MongoDB, or the MongoDB-wire server (FerretDB) of `deploy/local`',
    group: 'servers',
  }),
  ASYNCFN_TASK_STORE: setting({
    kind: oneOf(['mongodb', 'postgresql']),
    default: 'mongodb',
    meaning:
      'where the task read model (tasks, their status and history) is kept: `mongodb` (`MONGO_URL`), or `postgresql` (`POSTGRES_URL`), one table per namespace written in batches (docs/design.md, "Where tasks are kept"); functions, triggers and bulk operations stay in MongoDB either way',
    group: 'servers',
  }),
  POSTGRES_URL: setting({
    kind: text(),
    default: 'postgres://127.0.0.1:5432/asyncfn',
    meaning:
      'PostgreSQL, for the task store `postgresql` (deploy/local: its own cluster, database `asyncfn`)',
    group: 'servers',
  }),
  POSTGRES_URL_FILE: setting({
    kind: text(),
    default: '',
    shownDefault: '`<secrets>/postgres-url` if present',
    meaning: 'a file holding the PostgreSQL URL with its credentials (wins over `POSTGRES_URL`)',
    group: 'servers',
  }),
  KAFKA_BROKERS: setting({
    kind: list(),
    default: ['127.0.0.1:9092'],
    shownDefault: '`127.0.0.1:9092`',
    meaning: 'Kafka brokers, comma-separated (Kafka destinations and triggers)',
    group: 'servers',
  }),
  OTEL_EXPORTER_OTLP_ENDPOINT: setting({
    kind: text(),
    default: 'http://127.0.0.1:4318',
    meaning: 'where traces go (OTLP over HTTP); with `JAEGER_QUERY_URL` set too, no local Jaeger',
    group: 'servers',
  }),
  JAEGER_QUERY_URL: setting({
    kind: text(),
    default: 'http://127.0.0.1:16686',
    meaning: "Jaeger's query API (the tests read traces from it)",
    group: 'servers',
  }),
  ASYNCFN_CACHE: setting({
    kind: text(),
    default: cacheDir,
    shownDefault: '`~/.cache/asyncfn`',
    meaning:
      "`deploy/local`'s servers, their data and logs, the services' logs and pid files, the pinned Node.js",
    group: 'servers',
  }),

  // Every service
  ASYNCFN_NAMESPACE: setting({
    kind: text(),
    default: DEFAULT_NAMESPACE,
    meaning: 'prefix of every stream, KV bucket and the database (one deployment per namespace)',
    group: 'services',
  }),
  ASYNCFN_HOST: setting({
    kind: text(),
    default: '127.0.0.1',
    meaning: 'address every service listens on',
    group: 'services',
  }),
  ...perService('PORT', (s) =>
    setting({
      kind: integer(1, 65_535),
      default: SERVICE_PORTS[s],
      meaning:
        "each service's HTTP port (the ingress's is the API; the others serve `/healthz`, `/readyz`, `/metrics`)",
      group: 'services',
      row: 'ASYNCFN_<SERVICE>_PORT',
    }),
  ),
  ...perService('NICE', () =>
    setting({
      kind: integer(0, 19),
      default: 0,
      meaning: 'CPU niceness the service lowers itself to (docs/design.md, "CPU priority")',
      group: 'services',
      row: 'ASYNCFN_<SERVICE>_NICE',
    }),
  ),
  ASYNCFN_ACCESS_KEYS: setting({
    kind: text(),
    default: DEFAULT_LOCAL_ACCESS_KEYS,
    meaning:
      'AccessKeys as `id:secret:tenant`, comma-separated; the key of a request decides its tenant (a file is preferred: `ASYNCFN_ACCESS_KEYS_FILE`)',
    group: 'services',
  }),
  // Credentials come from files (mode 0600) that deploy/local generates; libs/config/secrets.ts
  // reads them. Listed here for the docs.
  ASYNCFN_SECRETS_DIR: setting({
    kind: text(),
    default: (env: Env) => join(cacheDir(env), 'secrets'),
    shownDefault: '`$ASYNCFN_CACHE/secrets`',
    meaning: 'where deploy/local keeps the generated credentials, and where the services look for them',
    group: 'services',
  }),
  ASYNCFN_ACCESS_KEYS_FILE: setting({
    kind: text(),
    default: '',
    shownDefault: '`<secrets>/access-keys` if present',
    meaning: 'a file holding the AccessKeys (wins over `ASYNCFN_ACCESS_KEYS`; read by the ingress only)',
    group: 'services',
  }),
  NATS_USER: setting({
    kind: text(),
    default: '',
    shownDefault: 'the service name (`admin` for tools and tests)',
    meaning: 'the NATS user a process logs in as (docs/control-plane-auth.md lists what each may do)',
    group: 'servers',
  }),
  NATS_PASSWORD_FILE: setting({
    kind: text(),
    default: '',
    shownDefault: '`<secrets>/nats-<user>.password` if present',
    meaning: "the file holding that user's NATS password",
    group: 'servers',
  }),
  MONGO_URL_FILE: setting({
    kind: text(),
    default: '',
    shownDefault: '`<secrets>/mongo-url` if present',
    meaning: 'a file holding the MongoDB URL with its credentials (wins over `MONGO_URL`)',
    group: 'servers',
  }),
  LOG_LEVEL: setting({
    kind: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
    meaning: 'level of the JSON logs (pino)',
    group: 'services',
  }),

  ASYNCFN_NATS_FLUSH_MS: setting({
    kind: integer(0, 100),
    default: 5,
    meaning:
      'how long the dispatcher, executor, status and destination services let their outgoing NATS messages (acks, events) gather before one write; fewer writes cost nats-server less CPU, and a task is recorded up to this much later; 0: once per event-loop turn (the ingress always writes so)',
    group: 'services',
  }),
  ASYNCFN_QUEUE_DEPTH_REFRESH_MS: setting({
    kind: integer(100),
    default: 5_000,
    meaning:
      'how often the dispatcher and the status service read queue depth per function from JetStream for `/metrics`',
    group: 'services',
  }),

  // Tasks
  ASYNCFN_TASK_RETENTION_SECONDS: setting({
    kind: integer(60),
    default: 7 * 24 * 3600,
    meaning: 'how long a task and its history are kept (and its id refused for reuse): 7 days',
    group: 'tasks',
  }),
  ASYNCFN_MAX_ASYNC_PAYLOAD_BYTES: setting({
    kind: integer(1),
    default: 128 * 1024,
    meaning: 'largest async payload (413 above)',
    group: 'tasks',
  }),
  ASYNCFN_MAX_SYNC_PAYLOAD_BYTES: setting({
    kind: integer(1),
    default: 512 * 1024,
    meaning: 'largest sync payload (413 above)',
    group: 'tasks',
  }),
  ASYNCFN_RETRY_BASE_MS: setting({
    kind: integer(0),
    default: 1_000,
    meaning: "a failed attempt's retry waits base × 2^(attempt−1) ms …",
    group: 'tasks',
  }),
  ASYNCFN_RETRY_MAX_MS: setting({
    kind: integer(0),
    default: 60_000,
    meaning: '… at most this long',
    group: 'tasks',
  }),

  // Ingress
  ASYNCFN_PUBLIC_URL: setting({
    kind: text(),
    default: '',
    shownDefault: "(the request's scheme and host)",
    meaning: 'base of HTTP trigger URLs, when the ingress sits behind a proxy or load balancer',
    group: 'ingress',
  }),
  ASYNCFN_LOCAL_CODE_ROOTS: setting({
    kind: text(),
    default: '',
    shownDefault: '(off)',
    meaning:
      'directories, colon-separated, that `code.localDirectory` may name (a development extension; executors must see the same paths)',
    group: 'ingress',
  }),

  // Executor
  ASYNCFN_CONSOLE_DIR: setting({
    kind: text(),
    default: () => fileURLToPath(new URL('../../../console/dist', import.meta.url)),
    shownDefault: '`console/dist` of the checkout',
    meaning: 'the built web console the ingress serves at /console/',
    group: 'ingress',
  }),
  ASYNCFN_CONSOLE_SESSION_TTL_SECONDS: setting({
    kind: integer(60),
    default: 8 * 3600,
    meaning: 'how long a console sign-in lasts (sessions live in the ingress process)',
    group: 'ingress',
  }),
  ASYNCFN_METRICS_SOURCES: setting({
    kind: list(),
    default: (env: Env) => {
      const host = !env.ASYNCFN_HOST || env.ASYNCFN_HOST === '0.0.0.0' ? '127.0.0.1' : env.ASYNCFN_HOST;
      return SERVICE_NAMES.filter((s) => s !== 'ingress').map((s) => {
        const port = env[`ASYNCFN_${s.toUpperCase()}_PORT`] || String(SERVICE_PORTS[s]);
        return `http://${host}:${port}/metrics`;
      });
    },
    shownDefault: 'the four other services on `ASYNCFN_HOST` and their ports',
    meaning: "comma-separated Prometheus endpoints the console's metrics page reads",
    group: 'ingress',
  }),
  ASYNCFN_DEFAULT_TASK_MODE: setting({
    kind: flag(),
    default: true,
    meaning:
      'whether async invocations of a function whose async config does not set `asyncTask` are recorded as tasks',
    group: 'tasks',
  }),
  ASYNCFN_TENANT_CONCURRENCY: setting({
    kind: integer(0),
    default: 0,
    shownDefault: '0 (no cap)',
    meaning:
      "running attempts allowed per tenant across all its functions (a function's reservedConcurrency caps it alone)",
    group: 'tasks',
  }),
  ASYNCFN_BULK_TASKS_PER_SECOND: setting({
    kind: integer(1),
    default: 200,
    meaning: 'tasks a bulk stop or re-run acts on per second (each operation, paced)',
    group: 'ingress',
  }),
  ASYNCFN_BULK_LEASE_MS: setting({
    kind: integer(1_000),
    default: 15_000,
    meaning: 'a bulk operation whose runner was silent this long is taken over by another ingress',
    group: 'ingress',
  }),
  ASYNCFN_EXECUTOR_CONCURRENCY: setting({
    kind: integer(1),
    default: 64,
    meaning: 'attempts one executor runs at once',
    group: 'executor',
  }),
  ASYNCFN_EXECUTOR_TERMINAL_URL: setting({
    kind: text(),
    default: (env) => {
      const host = !env.ASYNCFN_HOST || env.ASYNCFN_HOST === '0.0.0.0' ? '127.0.0.1' : env.ASYNCFN_HOST;
      return `ws://${host}:${env.ASYNCFN_EXECUTOR_PORT || SERVICE_PORTS.executor}`;
    },
    shownDefault: '`ws://` `ASYNCFN_HOST`:`ASYNCFN_EXECUTOR_PORT`',
    meaning:
      "the executor's own port as the ingress reaches it, for the console's terminals into instances (set it when the executor listens on 0.0.0.0 in another host or container)",
    group: 'executor',
  }),
  ASYNCFN_SANDBOX: setting({
    kind: oneOf(['bwrap', 'none']),
    default: 'bwrap',
    meaning:
      'how function instances are confined (docs/security.md); `none` runs them unconfined, for development only, with a loud warning',
    group: 'executor',
  }),
  ASYNCFN_SANDBOX_TMP_MB: setting({
    kind: integer(1, 1_048_576),
    default: 512,
    meaning: "size cap of each instance's private /tmp, MB (FC: 512)",
    group: 'executor',
  }),
  ASYNCFN_SANDBOX_PIDS_MAX: setting({
    kind: integer(16, 1_000_000),
    default: 256,
    meaning: 'processes and threads per instance (its cgroup pids limit)',
    group: 'executor',
  }),
  ASYNCFN_SANDBOX_UID_BASE: setting({
    kind: integer(1_000, 3_000_000_000),
    default: 100_000,
    meaning: "first uid/gid of the per-tenant range (a tenant's uid: this + a hash of the tenant)",
    group: 'executor',
  }),
  ASYNCFN_SANDBOX_HOST_PORTS: setting({
    kind: ports(),
    default: [],
    shownDefault: '(none)',
    meaning:
      "host loopback ports (TCP and UDP) that functions with internet access may reach: an operator's allowlist",
    group: 'executor',
  }),
  ASYNCFN_SANDBOX_WRITABLE_DIRS: setting({
    kind: absolutePaths(),
    default: [],
    shownDefault: '(none)',
    meaning: 'tests only: host directories bound read-write into every sandbox (every tenant shares them)',
    group: 'development',
  }),
  ASYNCFN_PYTHON_BINARIES: setting({
    kind: binaryMap(/^python3(\.\d+)?$/),
    default: {},
    shownDefault: '(none)',
    meaning:
      "interpreter per native Python runtime, `python3.9=/opt/py39/bin/python3,...` (a `python3` entry covers them all); empty: the host's python3",
    group: 'executor',
  }),
  ASYNCFN_INSTANCE_IDLE_MS: setting({
    kind: integer(0),
    default: 60_000,
    meaning: 'an idle function instance is reclaimed after this',
    group: 'executor',
  }),
  ASYNCFN_CODE_CACHE: setting({
    kind: text(),
    default: (env) => join(cacheDir(env), 'code'),
    shownDefault: '`$ASYNCFN_CACHE/code`',
    meaning: "where functions' code is unpacked",
    group: 'executor',
  }),

  // Status service
  ASYNCFN_STATUS_COALESCE_MS: setting({
    kind: integer(0),
    default: 100,
    meaning:
      "the status service holds a task's events this long (or until it ends) to write them at once; 0: never",
    group: 'status',
  }),
  ASYNCFN_STATUS_CLAIM_HOLD_MS: setting({
    kind: integer(0),
    default: 2_000,
    meaning:
      "…and a waiting task's (claim and Dequeued only) this long for its next event: under a backlog a task shows in lists up to this late, and GetAsyncTask says Enqueued where it may already be Dequeued",
    group: 'status',
  }),
  ASYNCFN_SWEEP_AFTER_MS: setting({
    kind: integer(1_000),
    default: 30_000,
    meaning: 'a task accepted this long ago whose queue message is missing is queued again by the sweeper',
    group: 'status',
  }),

  // Destination service
  ASYNCFN_DESTINATION_SIGNING_SECRET: setting({
    kind: text(),
    default: 'asyncfn-local-destination-secret',
    meaning:
      'HMAC secret of signed HTTP destination requests; the service warns at start while the default is in use',
    group: 'destination',
  }),
  ASYNCFN_DESTINATION_SIGNING_SECRETS: setting({
    kind: text(),
    default: '',
    shownDefault: '(none)',
    meaning: 'per-tenant secrets as `tenant:secret`, comma-separated, instead of the one above',
    group: 'destination',
  }),
  ASYNCFN_DESTINATION_MAX_ATTEMPTS: setting({
    kind: integer(1),
    default: 5,
    meaning: 'delivery attempts before a result is dead-lettered',
    group: 'destination',
  }),
  ASYNCFN_DESTINATION_RETRY_BASE_MS: setting({
    kind: integer(0),
    default: 1_000,
    meaning: 'delivery retry backoff base …',
    group: 'destination',
  }),
  ASYNCFN_DESTINATION_RETRY_MAX_MS: setting({
    kind: integer(0),
    default: 60_000,
    meaning: '… and cap, ms',
    group: 'destination',
  }),
  ASYNCFN_DESTINATION_TIMEOUT_MS: setting({
    kind: integer(100),
    default: 5_000,
    meaning: 'bound on one delivery attempt (HTTP request, Kafka send, JetStream ack, intake reply)',
    group: 'destination',
  }),
  ASYNCFN_DESTINATION_CONCURRENCY: setting({
    kind: integer(1),
    default: 256,
    meaning: 'deliveries in flight at once; a slow destination holds one slot per attempt',
    group: 'destination',
  }),

  // Telemetry
  OTEL_SDK_DISABLED: setting({
    kind: flag(),
    default: false,
    meaning: 'true: no OpenTelemetry at all',
    group: 'telemetry',
  }),
  OTEL_TRACES_SAMPLER: setting({
    kind: text(),
    default: 'parentbased_always_on',
    meaning:
      "OpenTelemetry's sampler (with `OTEL_TRACES_SAMPLER_ARG`, read by the SDK); spans under an unsampled parent are not even built",
    group: 'telemetry',
  }),
  OTEL_BSP_SCHEDULE_DELAY: setting({
    kind: integer(0),
    default: 1_000,
    meaning:
      "spans are exported this often, ms (the SDK's default is 5,000: 1,000 shows a trace in Jaeger within about a second)",
    group: 'telemetry',
  }),
  ASYNCFN_SERVICE: setting({
    kind: text(),
    default: '',
    shownDefault: '(from the entry point)',
    meaning: 'the service a process is, for telemetry (the Docker image sets it; `SERVICE` too)',
    group: 'telemetry',
  }),
  SERVICE: setting({
    kind: text(),
    default: '',
    shownDefault: '(none)',
    meaning: 'older name of `ASYNCFN_SERVICE`',
    group: 'telemetry',
  }),

  // Development and tests
  ASYNCFN_TEST_PORT_OFFSET: setting({
    kind: integer(0, 40_000),
    default: 0,
    meaning: "shifts the test stacks' ports (19100…), so several checkouts can run their tests at once",
    group: 'development',
  }),
  ASYNCFN_NODE_ARGS: setting({
    kind: words(),
    default: [],
    shownDefault: '(none)',
    meaning:
      'node flags for every service started by the scripts, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`',
    group: 'development',
  }),
  ASYNCFN_KEEP_TEST_DATA: setting({
    kind: flag(),
    default: false,
    meaning: '1: the tests leave their namespaces in the servers (the run prints them)',
    group: 'development',
  }),
  ASYNCFN_KEEP_SERVERS: setting({
    kind: flag(),
    default: false,
    meaning: '1: the servers a test or bench run started stay up',
    group: 'development',
  }),
  ASYNCFN_TESTCONTAINERS: setting({
    kind: flag(),
    default: false,
    meaning: '1: the tests start the servers with testcontainers (needs Docker)',
    group: 'development',
  }),
  ASYNCFN_ACCESS_KEY_ID: setting({
    kind: text(),
    default: DEFAULT_LOCAL_ACCESS_KEY_ID,
    meaning: '`scripts/fc-curl.ts` signs with this AccessKey …',
    group: 'development',
  }),
  ASYNCFN_ACCESS_KEY_SECRET: setting({
    kind: text(),
    default: DEFAULT_LOCAL_ACCESS_KEY_SECRET,
    meaning: '… and secret',
    group: 'development',
  }),
};

export type SettingName = keyof typeof SETTINGS;
export type SettingValue<N extends SettingName> = (typeof SETTINGS)[N] extends Setting<infer T> ? T : never;
