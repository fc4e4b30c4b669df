import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  jetstreamManager,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { TERMINAL_EVENT_TYPES, type Names } from '@asyncfn/contracts';

const minutes = (n: number) => nanos(n * 60_000);
const seconds = (n: number) => nanos(n * 1_000);

/** A week: the default task retention. */
const DEFAULT_RETENTION_SECONDS = 7 * 24 * 3600;

/**
 * Stream configs, declared once from the contract names. `retentionSeconds` is how long a task id
 * stays claimed (the task retention period).
 */
export function streamConfigs(
  names: Names,
  retentionSeconds = DEFAULT_RETENTION_SECONDS,
): (Partial<StreamConfig> & { name: string })[] {
  return [
    {
      // Claims are published with "expected last subject sequence 0": one per task id and tenant.
      name: names.streams.claims,
      subjects: [names.subjects.claimsAll],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(retentionSeconds * 1000),
      duplicate_window: minutes(2),
    },
    {
      name: names.streams.tasks,
      subjects: [names.subjects.tasksAll],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      // Ingress republishes after a crash with the same Nats-Msg-Id; the sweeper waits less than this.
      duplicate_window: minutes(10),
    },
    {
      name: names.streams.runs,
      subjects: [names.subjects.runsAll],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: minutes(10),
    },
    {
      name: names.streams.events,
      subjects: [names.subjects.eventsAll],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(24 * 3600 * 1000),
      duplicate_window: minutes(10),
    },
    {
      name: names.streams.deadLetters,
      subjects: [names.subjects.deadLettersAll],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(7 * 24 * 3600 * 1000),
      duplicate_window: minutes(10),
    },
    {
      // Records to deliver (Nats-Msg-Id = delivery id, so a re-resolved terminal event is not
      // delivered twice) and redelivery requests from the API.
      name: names.streams.deliveries,
      subjects: [names.subjects.deliveriesAll, names.subjects.redeliveriesAll],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: minutes(10),
    },
    {
      // Local MNS-style queues (message-queues.ts): a received message is deleted. Unreceived
      // messages are kept 4 days (MNS's default message retention), at most 100,000 per queue, the
      // oldest dropped first; Nats-Msg-Id (the delivery id) dedupes 10 minutes. No max_bytes: the
      // server would reserve it up front for every namespace's stream.
      name: names.streams.queues,
      subjects: [names.subjects.queuesAll],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(QUEUE_MAX_AGE_SECONDS * 1000),
      max_msgs_per_subject: QUEUE_MAX_MESSAGES,
      discard: DiscardPolicy.Old,
      duplicate_window: minutes(10),
    },
  ];
}

/** Limits of the local MNS-style queues (documented in services/destination/README.md). */
export const QUEUE_MAX_AGE_SECONDS = 4 * 24 * 3600;
export const QUEUE_MAX_MESSAGES = 100_000;

export interface ConsumerSpec {
  stream: string;
  config: Partial<ConsumerConfig>;
  /** The service that consumes keeps the filter current (its filter here is the first one only). */
  filterKeptByConsumer?: boolean;
}

export function consumerConfigs(names: Names): ConsumerSpec[] {
  const durable = (name: string, extra: Partial<ConsumerConfig>): Partial<ConsumerConfig> => ({
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: seconds(30),
    max_deliver: -1,
    max_ack_pending: 20_000,
    ...extra,
  });
  return [
    { stream: names.streams.tasks, config: durable(names.consumers.dispatcher, {}) },
    // Executors report progress with working() every few seconds while a function runs.
    { stream: names.streams.runs, config: durable(names.consumers.executor, {}) },
    { stream: names.streams.events, config: durable(names.consumers.status, {}) },
    { stream: names.streams.claims, config: durable(names.consumers.statusClaims, {}) },
    {
      // The destination service narrows this to the functions that have destinations.
      stream: names.streams.events,
      config: durable(names.consumers.destination, {
        filter_subjects: TERMINAL_EVENT_TYPES.map((t) => names.subjects.eventsOfType(t)),
      }),
      filterKeptByConsumer: true,
    },
    {
      // Retries are nak(delay) with the attempt read from deliveryCount; failures back off for
      // seconds to minutes, so many can wait at once without holding up other deliveries.
      stream: names.streams.deliveries,
      config: durable(names.consumers.destinationDeliveries, {
        filter_subject: names.subjects.deliveriesAll,
        max_ack_pending: 100_000,
      }),
    },
    {
      stream: names.streams.deliveries,
      config: durable(names.consumers.destinationRedeliveries, {
        filter_subject: names.subjects.redeliveriesAll,
      }),
    },
    {
      stream: names.streams.events,
      config: durable(names.consumers.dispatcherStops, {
        filter_subject: names.subjects.eventsOfType('TaskStopRequested'),
      }),
    },
  ];
}

async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
): Promise<void> {
  try {
    await jsm.streams.info(config.name);
    await jsm.streams.update(config.name, config);
  } catch (err) {
    if (err instanceof JetStreamApiError && err.status === 404) {
      await jsm.streams.add(config);
      return;
    }
    throw err;
  }
}

async function ensureConsumer(jsm: JetStreamManager, spec: ConsumerSpec): Promise<void> {
  const { stream, config } = spec;
  try {
    await jsm.consumers.info(stream, config.durable_name!);
    const { filter_subjects: _kept, ...rest } = config;
    await jsm.consumers.update(stream, config.durable_name!, spec.filterKeptByConsumer ? rest : config);
  } catch (err) {
    if (err instanceof JetStreamApiError && err.status === 404) {
      await jsm.consumers.add(stream, config);
      return;
    }
    throw err;
  }
}

export interface Topology {
  functions: KV;
  stops: KV;
  nonces: KV;
  logs: KV;
  instances: KV;
  triggers: KV;
}

/** Creates (or updates) every stream, durable consumer and KV bucket; safe to run on every start. */
export async function ensureTopology(
  nc: NatsConnection,
  names: Names,
  options: { retentionSeconds?: number } = {},
): Promise<Topology> {
  const jsm = await jetstreamManager(nc);
  for (const config of streamConfigs(names, options.retentionSeconds)) await ensureStream(jsm, config);
  for (const spec of consumerConfigs(names)) await ensureConsumer(jsm, spec);
  return openBuckets(nc, names);
}

/** Opens the KV buckets, creating them if needed. */
export async function openBuckets(nc: NatsConnection, names: Names): Promise<Topology> {
  const kvm = new Kvm(nc);
  const [functions, stops, nonces, logs, instances, triggers] = await Promise.all([
    kvm.create(names.kv.functions, { history: 1 }),
    // Stop requests outlive any task they could concern: a week, the default retention.
    kvm.create(names.kv.stops, { history: 1, ttl: 7 * 24 * 3600 * 1000 }),
    // A signed request is valid for 15 minutes either side of now, so a nonce must be kept 30.
    kvm.create(names.kv.nonces, { history: 1, ttl: 30 * 60 * 1000 }),
    // Task logs live as long as task history (7 days); each value is capped by the executor.
    kvm.create(names.kv.logs, { history: 1, ttl: 7 * 24 * 3600 * 1000, maxValueSize: 1024 * 1024 }),
    // Executors refresh their instances every few seconds; an executor that died ages out.
    kvm.create(names.kv.instances, { history: 1, ttl: 30 * 1000 }),
    // Triggers: the ingress mirrors MongoDB here; trigger runners and HTTP triggers watch it.
    kvm.create(names.kv.triggers, { history: 1 }),
  ]);
  return { functions, stops, nonces, logs, instances, triggers };
}

/** Deletes everything of a namespace (tests). */
export async function destroyTopology(nc: NatsConnection, names: Names): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const kvStreams = Object.values(names.kv).map((bucket) => `KV_${bucket}`);
  for (const name of [...Object.values(names.streams), ...kvStreams]) {
    await jsm.streams.delete(name).catch(() => undefined);
  }
}
