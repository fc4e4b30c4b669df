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
    /** Tasks handed from dispatcher to executors (work queue). */
    runs: string;
    /** Every task event (limits retention; status and destination consume durably). */
    events: string;
    /** Result records whose delivery failed after all retries (limits retention, 7 days). */
    deadLetters: string;
  };
  consumers: {
    dispatcher: string;
    dispatcherStops: string;
    executor: string;
    status: string;
    destination: string;
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
  };
  collections: {
    functions: string;
    tasks: string;
    taskEvents: string;
    codeBucket: string;
    nonces: string;
  };
  subjects: {
    tasksAll: string;
    runsAll: string;
    eventsAll: string;
    task(tenant: string, functionName: string): string;
    run(tenant: string, functionName: string): string;
    event(tenant: string, functionName: string, type: TaskEventType): string;
    eventsOfType(type: TaskEventType): string;
    /** Core NATS request/reply subject for synchronous invocations. */
    sync(tenant: string, functionName: string): string;
    syncAll: string;
    deadLetter(tenant: string, functionName: string): string;
    deadLettersAll: string;
    /** Core NATS request/reply: trigger runners hand invocations to the ingress, the one acceptor. */
    intake: string;
  };
  queueGroups: { executors: string; ingress: string };
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
      runs: `${NS}_RUNS`,
      events: `${NS}_EVENTS`,
      deadLetters: `${NS}_DEAD_LETTERS`,
    },
    consumers: {
      dispatcher: 'dispatcher',
      dispatcherStops: 'dispatcher-stops',
      executor: 'executor',
      status: 'status',
      destination: 'destination',
    },
    kv: {
      functions: `${ns}-functions`,
      stops: `${ns}-stops`,
      nonces: `${ns}-nonces`,
      logs: `${ns}-logs`,
      instances: `${ns}-instances`,
    },
    collections: {
      functions: 'functions',
      tasks: 'tasks',
      taskEvents: 'task_events',
      codeBucket: 'code',
      nonces: 'auth_nonces',
    },
    subjects: {
      tasksAll: `${ns}.tasks.>`,
      runsAll: `${ns}.runs.>`,
      eventsAll: `${ns}.events.>`,
      task: (tenant, fn) => `${ns}.tasks.${tenant}.${fn}`,
      run: (tenant, fn) => `${ns}.runs.${tenant}.${fn}`,
      event: (tenant, fn, type) => `${ns}.events.${tenant}.${fn}.${type}`,
      eventsOfType: (type) => `${ns}.events.*.*.${type}`,
      sync: (tenant, fn) => `${ns}.sync.${tenant}.${fn}`,
      syncAll: `${ns}.sync.>`,
      deadLetter: (tenant, fn) => `${ns}.dead.${tenant}.${fn}`,
      deadLettersAll: `${ns}.dead.>`,
      intake: `${ns}.intake`,
    },
    queueGroups: { executors: `${ns}-executors`, ingress: `${ns}-ingress` },
  };
}

/** KV keys: tenants and function names are subject-safe by validation, task ids likewise. */
export const kvKeys = {
  function: (tenant: string, functionName: string) => `${tenant}.${functionName}`,
  stop: (tenant: string, taskId: string) => `${tenant}.${taskId}`,
};

/** Message headers used across hops. */
export const Headers = {
  msgId: 'Nats-Msg-Id',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;
