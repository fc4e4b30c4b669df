import {
  metrics as otelMetrics,
  type Counter,
  type Histogram,
  type Meter,
  type UpDownCounter,
} from '@opentelemetry/api';
import { createLabelLimiter } from './label-limiter.js';

/*
 * The platform's metrics, in one place: each service records the ones it owns; Prometheus scrapes
 * them from the service's own port at /metrics (see prometheus.ts). Names are chosen to read well
 * in Prometheus (counters gain `_total` there); every task metric is labelled by `function` and
 * `tenant`, capped per process (label-limiter.ts).
 */

export const MetricName = {
  /** ingress: tasks answered 202. */
  tasksAccepted: 'asyncfn_tasks_accepted',
  /** status: tasks that reached a terminal state, by `status` (applied events only, so exact once). */
  tasksFinished: 'asyncfn_tasks_finished',
  /** status: failed attempts that will be retried (TaskRetryScheduled applied). */
  taskRetries: 'asyncfn_task_retries',
  /** executor: attempts run, by `outcome` (succeeded, failed, timedOut, crashed, stopped). */
  attempts: 'asyncfn_attempts',
  /** dispatcher (and status): accepted tasks waiting in the tasks stream, per function. */
  queueDepth: 'asyncfn_queue_depth',
  /** dispatcher: tasks the dispatcher consumer has not been handed yet / holds unacknowledged. */
  queuePending: 'asyncfn_queue_pending',
  queueAckPending: 'asyncfn_queue_ack_pending',
  /** dispatcher: age of the task (since accepted) when it is taken off the queue. */
  eventAgeAtDequeue: 'asyncfn_queue_event_age_seconds',
  /** executor: accepted → Running of the first attempt (queueing, delay and dispatch included). */
  startLatency: 'asyncfn_task_start_latency_seconds',
  /** status: Running → terminal of the final attempt, by `status`. */
  runDuration: 'asyncfn_task_run_duration_seconds',
  /** executor: live function instances (processes). */
  instancesLive: 'asyncfn_instances_live',
  /** executor: instance processes started (each is a cold start). */
  coldStarts: 'asyncfn_instances_cold_starts',
  /** destination: terminal event → result record delivered, by `destination_type`. */
  destinationLatency: 'asyncfn_destination_delivery_latency_seconds',
  /** destination: delivery attempts that failed (each retry that failed counts). */
  destinationFailures: 'asyncfn_destination_failures',
  /** destination: deliveries retried. */
  destinationRetries: 'asyncfn_destination_retries',
  /** destination: result records given up on and written to the dead-letter stream. */
  deadLetters: 'asyncfn_destination_dead_letters',
} as const;

/** Seconds, from a 5 ms dispatch to an hour-long delayed task. */
const LATENCY_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600,
];

export interface QueueDepthSample {
  tenant: string;
  functionName: string;
  depth: number;
}

interface Instruments {
  tasksAccepted: Counter;
  tasksFinished: Counter;
  taskRetries: Counter;
  attempts: Counter;
  eventAgeAtDequeue: Histogram;
  startLatency: Histogram;
  runDuration: Histogram;
  instancesLive: UpDownCounter;
  coldStarts: Counter;
  destinationLatency: Histogram;
  destinationFailures: Counter;
  destinationRetries: Counter;
  deadLetters: Counter;
}

function createInstruments(meter: Meter): Instruments {
  const latency = (name: string, description: string) =>
    meter.createHistogram(name, {
      description,
      unit: 's',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
    });
  return {
    tasksAccepted: meter.createCounter(MetricName.tasksAccepted, { description: 'Tasks accepted (202)' }),
    tasksFinished: meter.createCounter(MetricName.tasksFinished, {
      description: 'Tasks that reached a terminal state, by status',
    }),
    taskRetries: meter.createCounter(MetricName.taskRetries, {
      description: 'Failed attempts scheduled for a retry',
    }),
    attempts: meter.createCounter(MetricName.attempts, { description: 'Attempts run, by outcome' }),
    eventAgeAtDequeue: latency(MetricName.eventAgeAtDequeue, 'Age of a task when it is dequeued'),
    startLatency: latency(MetricName.startLatency, 'Accepted to Running (first attempt)'),
    runDuration: latency(MetricName.runDuration, 'Running to terminal (final attempt), by status'),
    instancesLive: meter.createUpDownCounter(MetricName.instancesLive, {
      description: 'Live function instances',
    }),
    coldStarts: meter.createCounter(MetricName.coldStarts, {
      description: 'Function instances started (cold starts)',
    }),
    destinationLatency: latency(
      MetricName.destinationLatency,
      'Terminal state to result record delivered, by destination type',
    ),
    destinationFailures: meter.createCounter(MetricName.destinationFailures, {
      description: 'Failed destination delivery attempts',
    }),
    destinationRetries: meter.createCounter(MetricName.destinationRetries, {
      description: 'Destination deliveries retried',
    }),
    deadLetters: meter.createCounter(MetricName.deadLetters, {
      description: 'Result records dead-lettered after all delivery attempts failed',
    }),
  };
}

const meter = () => otelMetrics.getMeter('asyncfn');
const labels = createLabelLimiter();
// Created on first use, not at import: a meter taken before the SDK registers its provider is a
// no-op for good (the metrics API has no proxy), and services import this before runService starts.
let instruments: Instruments | undefined;
const get = (): Instruments => (instruments ??= createInstruments(meter()));
const seconds = (ms: number) => Math.max(0, ms) / 1000;

/** What services record. Functions are identified by (tenant, functionName). */
export const metrics = {
  taskAccepted(tenant: string, functionName: string): void {
    get().tasksAccepted.add(1, labels(tenant, functionName));
  },
  taskFinished(tenant: string, functionName: string, status: string): void {
    get().tasksFinished.add(1, { ...labels(tenant, functionName), status });
  },
  taskRetried(tenant: string, functionName: string): void {
    get().taskRetries.add(1, labels(tenant, functionName));
  },
  attemptFinished(tenant: string, functionName: string, outcome: string): void {
    get().attempts.add(1, { ...labels(tenant, functionName), outcome });
  },
  dequeued(tenant: string, functionName: string, ageMs: number): void {
    get().eventAgeAtDequeue.record(seconds(ageMs), labels(tenant, functionName));
  },
  started(tenant: string, functionName: string, sinceAcceptedMs: number): void {
    get().startLatency.record(seconds(sinceAcceptedMs), labels(tenant, functionName));
  },
  ran(tenant: string, functionName: string, status: string, durationMs: number): void {
    get().runDuration.record(seconds(durationMs), { ...labels(tenant, functionName), status });
  },
  instanceStarted(tenant: string, functionName: string): void {
    const l = labels(tenant, functionName);
    get().instancesLive.add(1, l);
    get().coldStarts.add(1, l);
  },
  instanceDestroyed(tenant: string, functionName: string): void {
    get().instancesLive.add(-1, labels(tenant, functionName));
  },
  /** For the destination service: a result record reached `destinationType` (nats, jetstream, kafka, http, function). */
  destinationDelivered(
    tenant: string,
    functionName: string,
    destinationType: string,
    sinceTerminalMs: number,
  ): void {
    get().destinationLatency.record(seconds(sinceTerminalMs), {
      ...labels(tenant, functionName),
      destination_type: destinationType,
    });
  },
  destinationFailed(tenant: string, functionName: string, destinationType: string): void {
    get().destinationFailures.add(1, { ...labels(tenant, functionName), destination_type: destinationType });
  },
  destinationRetried(tenant: string, functionName: string, destinationType: string): void {
    get().destinationRetries.add(1, { ...labels(tenant, functionName), destination_type: destinationType });
  },
  deadLettered(tenant: string, functionName: string, destinationType: string): void {
    get().deadLetters.add(1, { ...labels(tenant, functionName), destination_type: destinationType });
  },

  /**
   * Queue depth as observable gauges: `depth` is read at each scrape (keep it cheap: a snapshot
   * refreshed in the background). A function whose queue emptied should still be reported, as 0.
   */
  observeQueue(
    read: () => {
      perFunction: Iterable<QueueDepthSample>;
      pending?: number;
      ackPending?: number;
    },
  ): void {
    const m = meter();
    const depth = m.createObservableGauge(MetricName.queueDepth, {
      description: 'Accepted tasks waiting in the tasks stream, per function',
    });
    const pending = m.createObservableGauge(MetricName.queuePending, {
      description: 'Tasks not yet delivered to a dispatcher',
    });
    const ackPending = m.createObservableGauge(MetricName.queueAckPending, {
      description: 'Tasks delivered to a dispatcher and not yet acknowledged (delayed ones included)',
    });
    const totals = new Map<string, { tenant: string; function: string; depth: number }>();
    m.addBatchObservableCallback(
      (result) => {
        const snapshot = read();
        // Samples under `_other` are summed; labels are capped before they are reported.
        totals.clear();
        for (const s of snapshot.perFunction) {
          const l = labels(s.tenant, s.functionName);
          const key = `${l.tenant}\u0000${l.function}`;
          const entry = totals.get(key) ?? { ...l, depth: 0 };
          entry.depth += s.depth;
          totals.set(key, entry);
        }
        for (const t of totals.values())
          result.observe(depth, t.depth, { function: t.function, tenant: t.tenant });
        if (snapshot.pending !== undefined) result.observe(pending, snapshot.pending);
        if (snapshot.ackPending !== undefined) result.observe(ackPending, snapshot.ackPending);
      },
      [depth, pending, ackPending],
    );
  },
};
