import type { TaskEventType } from './events.js';

/**
 * Every stream, subject, consumer, KV bucket and MongoDB name, built from one namespace.
 * Production uses the default namespace; each integration test file uses its own, so test runs
 * never share state. Subject strings are built only here.
 */
export interface Names {
  namespace: string;
  /** MongoDB database holding functions, tasks and task_events. */
  database: string;
  streams: {
    /** Accepted tasks (work queue; Nats-Msg-Id = tenant:taskId). */
    tasks: string;
    /**
     * Task claims: each accepted task's TaskEnqueued event on a subject of its own, published only
     * if the subject is empty, kept for the retention period. It is the dedupe claim (409), and the
     * status service creates the task's projection from it.
     */
    claims: string;
    /** Tasks handed from dispatcher to executors (work queue). */
    runs: string;
    /** Every task event (limits retention; status and destination consume durably). */
    events: string;
    /** Result records whose delivery failed after all retries (limits retention, 7 days). */
    deadLetters: string;
    /** Result records waiting to be delivered, and redelivery requests (work queue). */
    deliveries: string;
    /**
     * Local MNS-style message queues (`acs:mns:…:/queues/<q>/messages` destinations): one stream
     * for every tenant's queues, a subject per tenant and queue; a received message is deleted.
     */
    queues: string;
  };
  consumers: {
    dispatcher: string;
    dispatcherStops: string;
    executor: string;
    status: string;
    /** The status service's consumer of the claims stream. */
    statusClaims: string;
    destination: string;
    /** Delivers records to destinations; retries by nak(delay), so deliveryCount is the attempt. */
    destinationDeliveries: string;
    /** Redelivery requests made through the API. */
    destinationRedeliveries: string;
  };
  kv: {
    /** Function config + async config, watched by dispatcher and executor. */
    functions: string;
    /** Stop requests, watched by executors to stop running tasks. */
    stops: string;
    /** Signature nonces seen in the last 30 minutes (replay protection). */
    nonces: string;
    /** Captured stdout/stderr per task attempt (capped), written by executors, read by the API. */
    logs: string;
    /** Live function instances per executor (short TTL, refreshed), for the instances API. */
    instances: string;
    /** Triggers (mirrored from MongoDB), watched by the dispatcher's trigger runners and the ingress. */
    triggers: string;
    /** Concurrency leases of running attempts, per function and per tenant (limits only). */
    leases: string;
  };
  collections: {
    functions: string;
    tasks: string;
    taskEvents: string;
    codeBucket: string;
    nonces: string;
    triggers: string;
    /** Bulk stop / re-run operations and their progress cursors. */
    bulkOperations: string;
    /** FC 2.0 API: services (their functions are 3.0 functions with mapped names). */
    fc2Services: string;
  };
  subjects: {
    tasksAll: string;
    runsAll: string;
    eventsAll: string;
    /** One subject per queued task, so a queued task's message can be found (to stop it). */
    task(tenant: string, functionName: string, taskId: string): string;
    claimsAll: string;
    claim(tenant: string, taskId: string): string;
    run(tenant: string, functionName: string): string;
    /**
     * An accepted task due now, queued straight to the executors (one subject per task, so a
     * queued task's message can be found to stop it); the executor dispatches it itself.
     */
    directRun(tenant: string, functionName: string, taskId: string): string;
    /** Every directRun subject (and no dispatched run's). */
    directRunsAll: string;
    event(tenant: string, functionName: string, type: TaskEventType): string;
    eventsOfType(type: TaskEventType): string;
    /** Core NATS request/reply subject for synchronous invocations. */
    sync(tenant: string, functionName: string): string;
    syncAll: string;
    deadLetter(tenant: string, functionName: string): string;
    deadLettersAll: string;
    /** Core NATS request/reply: trigger runners hand invocations to the ingress, the one acceptor. */
    intake: string;
    /** A result record to deliver (destination service → itself, after the task's state is recorded). */
    delivery(tenant: string, functionName: string): string;
    deliveriesAll: string;
    /** A redelivery request (ingress → destination). */
    redelivery(tenant: string, functionName: string): string;
    redeliveriesAll: string;
    /** A local MNS-style queue of a tenant (queue names are subject-safe by validation). */
    queue(tenant: string, queueName: string): string;
    queuesAll: string;
    /** Core NATS: what the status service recorded, per tenant (the console's live feed). */
    applied(tenant: string): string;
  };
  queueGroups: { executors: string; ingress: string };
  /** Per-trigger names of what trigger runners consume with (one per trigger, shared by replicas). */
  triggers: {
    /** Core NATS trigger: the queue group every dispatcher replica subscribes in. */
    queueGroup(triggerId: string): string;
    /** JetStream trigger: the durable consumer on the user's stream. */
    durable(triggerId: string): string;
    /** Kafka trigger: the default consumer group id. */
    kafkaGroupId(triggerId: string): string;
  };
}

export const DEFAULT_NAMESPACE = 'asyncfn';

export function createNames(namespace: string = DEFAULT_NAMESPACE): Names {
  if (!/^[a-z][a-z0-9_]{0,39}$/.test(namespace)) {
    throw new Error(`invalid namespace "${namespace}": lower-case letters, digits and _ only`);
  }
  const ns = namespace;
  const NS = namespace.toUpperCase();
  return {
    namespace: ns,
    database: ns,
    streams: {
      tasks: `${NS}_TASKS`,
      claims: `${NS}_CLAIMS`,
      runs: `${NS}_RUNS`,
      events: `${NS}_EVENTS`,
      deadLetters: `${NS}_DEAD_LETTERS`,
      deliveries: `${NS}_DELIVERIES`,
      queues: `${NS}_QUEUES`,
    },
    consumers: {
      dispatcher: 'dispatcher',
      dispatcherStops: 'dispatcher-stops',
      executor: 'executor',
      status: 'status',
      statusClaims: 'status-claims',
      destination: 'destination',
      destinationDeliveries: 'destination-deliveries',
      destinationRedeliveries: 'destination-redeliveries',
    },
    kv: {
      functions: `${ns}-functions`,
      stops: `${ns}-stops`,
      nonces: `${ns}-nonces`,
      logs: `${ns}-logs`,
      instances: `${ns}-instances`,
      triggers: `${ns}-triggers`,
      leases: `${ns}-leases`,
    },
    collections: {
      functions: 'functions',
      tasks: 'tasks',
      taskEvents: 'task_events',
      codeBucket: 'code',
      nonces: 'auth_nonces',
      triggers: 'triggers',
      bulkOperations: 'bulk_operations',
      fc2Services: 'fc2_services',
    },
    subjects: {
      tasksAll: `${ns}.tasks.>`,
      runsAll: `${ns}.runs.>`,
      eventsAll: `${ns}.events.>`,
      task: (tenant, fn, taskId) => `${ns}.tasks.${tenant}.${fn}.${taskId}`,
      claimsAll: `${ns}.claims.>`,
      claim: (tenant, taskId) => `${ns}.claims.${tenant}.${taskId}`,
      run: (tenant, fn) => `${ns}.runs.${tenant}.${fn}`,
      directRun: (tenant, fn, taskId) => `${ns}.runs.${tenant}.${fn}.${taskId}`,
      directRunsAll: `${ns}.runs.*.*.*`,
      event: (tenant, fn, type) => `${ns}.events.${tenant}.${fn}.${type}`,
      eventsOfType: (type) => `${ns}.events.*.*.${type}`,
      sync: (tenant, fn) => `${ns}.sync.${tenant}.${fn}`,
      syncAll: `${ns}.sync.>`,
      deadLetter: (tenant, fn) => `${ns}.dead.${tenant}.${fn}`,
      deadLettersAll: `${ns}.dead.>`,
      intake: `${ns}.intake`,
      delivery: (tenant, fn) => `${ns}.deliveries.${tenant}.${fn}`,
      deliveriesAll: `${ns}.deliveries.>`,
      redelivery: (tenant, fn) => `${ns}.redeliveries.${tenant}.${fn}`,
      redeliveriesAll: `${ns}.redeliveries.>`,
      queue: (tenant, queueName) => `${ns}.queues.${tenant}.${queueName}`,
      queuesAll: `${ns}.queues.>`,
      applied: (tenant) => `${ns}.applied.${tenant}`,
    },
    queueGroups: { executors: `${ns}-executors`, ingress: `${ns}-ingress` },
    triggers: {
      queueGroup: (triggerId) => `${ns}-trigger-${triggerId}`,
      durable: (triggerId) => `${ns}-trigger-${triggerId}`,
      kafkaGroupId: (triggerId) => `${ns}-trigger-${triggerId}`,
    },
  };
}

/** KV keys: tenants and function names are subject-safe by validation, task ids likewise. */
export const kvKeys = {
  function: (tenant: string, functionName: string) => `${tenant}.${functionName}`,
  stop: (tenant: string, taskId: string) => `${tenant}.${taskId}`,
  trigger: (tenant: string, functionName: string, triggerName: string) =>
    `${tenant}.${functionName}.${triggerName}`,
};

/** Message headers used across hops. */
export const Headers = {
  msgId: 'Nats-Msg-Id',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;
