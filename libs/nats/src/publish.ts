import {
  JetStreamApiError,
  PubHeaders,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
} from '@nats-io/jetstream';
import type { MsgHdrs, NatsConnection } from '@nats-io/transport-node';
import { randomFillSync } from 'node:crypto';
import { ulid as ulidWith } from 'ulid';
import {
  Headers,
  Messages,
  TASK_EVENT_SCHEMA_VERSION,
  type AcceptedTaskMessage,
  type Names,
  type RunTaskMessage,
  type Source,
  type TaskEnqueued,
  type TaskEvent,
  type TaskEventInput,
  STATUS_AFTER,
  TaskStatus,
} from '@asyncfn/contracts';
import { decodeOrThrow, encodeMessage } from './codec.js';
import { subjectOf } from './publish-contract.js';
import { withProducerSpan } from './tracing.js';

/**
 * ulid's default source draws from crypto once per character (16 calls per id: ~6 % of a busy
 * service's CPU). The same crypto randomness, drawn 4 KiB at a time.
 */
const randomPool = Buffer.alloc(4096);
let randomAt = randomPool.length;
const pooledRandom = () => {
  if (randomAt === randomPool.length) {
    randomFillSync(randomPool);
    randomAt = 0;
  }
  return randomPool[randomAt++]! / 256;
};
const ulid = () => ulidWith(undefined, pooledRandom);

/** Publishes task events; each gets its id, time and source here, and its trace context in headers. */
export interface EventBus {
  /** `at`: when it happened, if earlier than now (an event published after a delay). */
  publish(input: TaskEventInput, at?: number): Promise<TaskEvent>;
  /**
   * Events of one task, oldest first, as one message: the last one's, carrying the others in
   * `earlier` (one message, acknowledgement and delivery where there would be several).
   */
  publishTogether(events: { input: TaskEventInput; at?: number }[]): Promise<TaskEvent[]>;
}

export function createEventBus(
  nc: NatsConnection,
  names: Names,
  source: Source,
  clock: () => number = Date.now,
): EventBus {
  const js = jetstream(nc);
  const stamp = (input: TaskEventInput, at?: number) =>
    ({
      ...input,
      v: TASK_EVENT_SCHEMA_VERSION,
      eventId: ulid(),
      timestamp: at ?? clock(),
      source,
    }) as TaskEvent;
  const send = async (event: TaskEvent) => {
    const subject = subjectOf(Messages.taskEvent, names, event);
    const body = encodeMessage(Messages.taskEvent, event);
    await withProducerSpan(
      subject,
      { ...event, status: STATUS_AFTER[event.type] },
      { id: event.eventId, size: body.length },
      (headers) => js.publish(subject, body, { msgID: event.eventId, headers }),
    );
  };
  return {
    async publish(input, at) {
      const event = stamp(input, at);
      await send(event);
      return event;
    },
    async publishTogether(events) {
      const stamped = events.map(({ input, at }) => stamp(input, at));
      const last = stamped.at(-1);
      if (!last) return [];
      const earlier = stamped.slice(0, -1);
      await send(earlier.length > 0 ? { ...last, earlier } : last);
      return stamped;
    },
  };
}

/** JetStream's "wrong last sequence" (10071): the subject of an expected-empty publish is taken. */
const WRONG_LAST_SEQUENCE = 10071;

/** Task claims: one TaskEnqueued event per tenant and task id, kept for the retention period. */
export interface TaskClaims {
  /** Publishes the claim if the task id is free; false if it is taken. */
  claim(event: TaskEnqueued): Promise<boolean>;
  /** The claim of a task, while it is kept. */
  get(tenant: string, taskId: string): Promise<TaskEnqueued | undefined>;
}

export async function createTaskClaims(nc: NatsConnection, names: Names): Promise<TaskClaims> {
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  return {
    async claim(event) {
      const subject = subjectOf(Messages.taskClaim, names, event);
      const body = encodeMessage(Messages.taskClaim, event);
      try {
        await withProducerSpan(
          subject,
          { ...event, status: TaskStatus.Enqueued },
          { id: event.eventId, size: body.length },
          (headers) => js.publish(subject, body, { headers, expect: { lastSubjectSequence: 0 } }),
        );
        return true;
      } catch (err) {
        if (err instanceof JetStreamApiError && err.code === WRONG_LAST_SEQUENCE) return false;
        throw err;
      }
    },
    async get(tenant, taskId) {
      const stored = await jsm.streams.getMessage(names.streams.claims, {
        last_by_subj: names.subjects.claim(tenant, taskId),
      });
      return stored ? decodeOrThrow(Messages.taskClaim, stored.data) : undefined;
    },
  };
}

/** Where a queued task's message is: its stream and sequence. */
export interface QueuedAt {
  stream: 'tasks' | 'runs';
  seq: number;
}

/**
 * The queues of accepted tasks. A task due now goes straight to the executors (the runs stream, on
 * its own subject; the executor dispatches it); a delayed one to the dispatcher (the tasks stream),
 * which hands it to the executors (runs) when due, as it does with a task an executor could not
 * start yet (a pause, a concurrency limit): `defer`.
 */
export interface TaskQueues {
  /** Returns where the accepted message is; a republish of the same task is deduplicated. */
  enqueue(task: AcceptedTaskMessage): Promise<QueuedAt & { duplicate: boolean }>;
  /**
   * The same message as a plain publish: JetStream stores it (deduplicated alike) but sends no
   * acknowledgement, a message and a wake-up less per task. Only for a claimed task: if the message
   * is lost, the status service's sweeper queues the task from its claim.
   */
  enqueueUnconfirmed(task: AcceptedTaskMessage): Promise<void>;
  /** An accepted task to the dispatcher's queue, whenever it is due (deduplicated alike). */
  defer(task: AcceptedTaskMessage): Promise<void>;
  /** Where a task's message is while it is still queued (a task due now: the runs stream first). */
  queuedAt(tenant: string, functionName: string, taskId: string): Promise<QueuedAt | undefined>;
  /** Whether the dispatcher's queue holds the task (an executor deferred it). */
  isDeferred(tenant: string, functionName: string, taskId: string): Promise<boolean>;
  handOff(run: RunTaskMessage, attemptKey: string): Promise<void>;
}

/** Due now (not delayed): queued straight to the executors. */
export const isDueAtOnce = (task: AcceptedTaskMessage) => task.dueAt <= task.enqueuedAt;

export async function createTaskQueues(nc: NatsConnection, names: Names): Promise<TaskQueues> {
  const js: JetStreamClient = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  /**
   * A task's queue message: its subject, body and deduplication id, traced as a send. The two
   * queues use different ids: a task deferred from the runs stream is queued again, in tasks.
   */
  const publishQueued = <T>(
    task: AcceptedTaskMessage,
    publish: (subject: string, body: Uint8Array, msgID: string, headers: MsgHdrs) => Promise<T>,
    stream: QueuedAt['stream'] = isDueAtOnce(task) ? 'runs' : 'tasks',
  ) => {
    const contract = stream === 'runs' ? Messages.directTask : Messages.acceptedTask;
    const subject = subjectOf(contract, names, task);
    const body = encodeMessage(contract, task);
    const msgID = `${task.tenant}:${task.taskId}${stream === 'runs' ? ':direct' : ''}`;
    return withProducerSpan(
      subject,
      { ...task, attempt: 0, status: TaskStatus.Enqueued },
      { id: msgID, size: body.length },
      (headers) => publish(subject, body, msgID, headers),
    );
  };
  /** The stream sequence of a task's message while it waits in `stream`. */
  const queuedSeq = async (
    stream: QueuedAt['stream'],
    tenant: string,
    functionName: string,
    taskId: string,
  ) => {
    const subject =
      stream === 'runs'
        ? names.subjects.directRun(tenant, functionName, taskId)
        : names.subjects.task(tenant, functionName, taskId);
    return (await jsm.streams.getMessage(names.streams[stream], { last_by_subj: subject }))?.seq;
  };
  /** A confirmed publish to `stream`: where it landed, and whether it was there already. */
  const enqueueIn = async (task: AcceptedTaskMessage, stream: QueuedAt['stream']) => {
    const ack = await publishQueued(
      task,
      (subject, body, msgID, headers) => js.publish(subject, body, { msgID, headers }),
      stream,
    );
    return { stream, seq: ack.seq, duplicate: ack.duplicate };
  };
  return {
    async queuedAt(tenant, functionName, taskId) {
      for (const stream of ['runs', 'tasks'] as const) {
        const seq = await queuedSeq(stream, tenant, functionName, taskId);
        if (seq !== undefined) return { stream, seq };
      }
      return undefined;
    },
    async isDeferred(tenant, functionName, taskId) {
      return (await queuedSeq('tasks', tenant, functionName, taskId)) !== undefined;
    },
    enqueue: (task) => enqueueIn(task, isDueAtOnce(task) ? 'runs' : 'tasks'),
    async defer(task) {
      await enqueueIn(task, 'tasks');
    },
    async enqueueUnconfirmed(task) {
      await publishQueued(task, async (subject, body, msgID, headers) => {
        headers.set(PubHeaders.MsgIdHdr, msgID);
        nc.publish(subject, body, { headers });
      });
    },
    async handOff(run, attemptKey) {
      const subject = subjectOf(Messages.runTask, names, run);
      const body = encodeMessage(Messages.runTask, run);
      await withProducerSpan(subject, run, { id: attemptKey, size: body.length }, (headers) =>
        js.publish(subject, body, { msgID: attemptKey, headers }),
      );
    },
  };
}

export { Headers };
