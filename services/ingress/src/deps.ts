import type { NatsConnection } from '@nats-io/transport-node';
import type { Names } from '@asyncfn/contracts';
import type {
  BulkOperationStore,
  Fc2ServiceStore,
  FunctionStore,
  TaskStore,
  TriggerStore,
} from '@asyncfn/mongo';
import type {
  ConcurrencyLeases,
  EventBus,
  DestinationFilter,
  FunctionDirectory,
  StopRequests,
  TaskClaims,
  TaskQueues,
  TriggerDirectory,
} from '@asyncfn/nats';
import type { KV } from '@nats-io/kv';
import type { AccessKeyLookup } from '@asyncfn/auth';
import type { Logger } from '@asyncfn/telemetry';
import type { TaskAcceptor } from './accept-task.js';
import type { BulkRunner } from './bulk-runner.js';
import type { ConsoleOptions } from './console/plugin.js';

/** Everything the API needs, handed in so routes can be tested with fastify.inject(). */
export interface IngressDeps {
  names: Names;
  nc: NatsConnection;
  functions: FunctionStore;
  /** The functions KV, watched: what the invocation hot path reads instead of MongoDB. */
  directory: FunctionDirectory;
  tasks: TaskStore;
  /** Claims answer for a task the status service has not recorded yet (milliseconds old). */
  claims: TaskClaims;
  /** Where a queued task's message is (to take it out when it is stopped). */
  queues: TaskQueues;
  retentionSeconds: number;
  functionsKv: KV;
  /** What the destination service takes: a destination just configured waits until it is taken. */
  destinationFilter?: DestinationFilter;
  stops: StopRequests;
  bus: EventBus;
  acceptor: TaskAcceptor;
  /** Triggers: MongoDB (source of truth), its KV copy, and the watched view HTTP triggers read. */
  triggers: { store: TriggerStore; kv: KV; directory: TriggerDirectory };
  /** Bulk stop / re-run operations (extension): where they are kept, and what runs them. */
  bulk: { store: BulkOperationStore; runner: BulkRunner };
  /** FC 2.0 API: services (their functions are 3.0 functions under mapped names). */
  fc2Services: Fc2ServiceStore;
  accessKeys: AccessKeyLookup;
  nonces: { claim(accessKeyId: string, nonce: string): Promise<boolean> };
  limits: { maxAsyncPayloadBytes: number; maxSyncPayloadBytes: number };
  /** Concurrency limits (sync invocations beyond them: 429 ResourceThrottled). */
  leases?: ConcurrencyLeases;
  /** Short-lived GetFunctionCode download tokens (shared by every ingress). */
  codeDownloads?: {
    put(token: string, value: string): Promise<void>;
    get(token: string): Promise<string | undefined>;
  };
  /** Task mode of functions whose async config does not set asyncTask (ASYNCFN_DEFAULT_TASK_MODE; default on). */
  defaultTaskMode?: boolean;
  logger: Logger;
  /** Readiness checks of the backing servers. */
  ready: () => Promise<void>;
  clock?: () => number;
  /** Jaeger's query API, for a task's trace. */
  jaegerQueryUrl: string;
  /** The other services' Prometheus endpoints, for the console's metrics page. */
  metricsSources: string[];
  /** The web console (static files and sessions); without it the API takes signed requests only. */
  console?: ConsoleOptions;
}
