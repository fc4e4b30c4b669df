import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { buildAcceptedTask } from '@asyncfn/core';
import { acceptedTask } from '../../../test/harness/accepted-task.js';
import { serverUrls, testNames } from '../../../test/harness/env.js';
import { connectNats } from './connect.js';
import type { TaskEvent } from '@asyncfn/contracts';
import { createEventBus, createTaskQueues, type TaskQueues } from './publish.js';
import { ensureTopology } from './topology.js';

const names = testNames('queues');
let nc: NatsConnection;
let queues: TaskQueues;

beforeAll(async () => {
  nc = await connectNats(serverUrls().natsUrl, 'publish-test', serverUrls().natsAuth);
  await ensureTopology(nc, names);
  queues = await createTaskQueues(nc, names);
});

afterAll(async () => {
  await nc.close();
});

const accepted = (taskId: string) => acceptedTask(taskId).message;

describe('TaskQueues', () => {
  it('enqueueUnconfirmed stores a task due now once, on its own subject of the runs stream', async () => {
    const message = accepted('unconfirmed-1');
    await queues.enqueueUnconfirmed(message);
    await queues.enqueueUnconfirmed(message);
    // A plain publish has no acknowledgement: a flush makes sure the server has processed it.
    await nc.flush();
    const queued = await queues.queuedAt('default', 'fn', 'unconfirmed-1');
    expect(queued).toMatchObject({ stream: 'runs', seq: expect.any(Number) });
    // The same task id confirmed later is recognised as the message already stored.
    expect(await queues.enqueue(message)).toEqual({ ...queued, duplicate: true });
    const jsm = await jetstreamManager(nc);
    const subject = names.subjects.directRun('default', 'fn', 'unconfirmed-1');
    const info = await jsm.streams.info(names.streams.runs, { subjects_filter: subject });
    expect(info.state.subjects).toEqual({ [subject]: 1 });
    expect(await queues.isDeferred('default', 'fn', 'unconfirmed-1')).toBe(false);
  });

  it('a delayed task goes to the tasks stream; a deferred one too, once, beside its direct message', async () => {
    const delayed = buildAcceptedTask(
      {
        tenant: 'default',
        functionName: 'fn',
        taskId: 'delayed-1',
        requestId: 'r',
        payload: '',
        delaySeconds: 5,
      },
      Date.now(),
    ).message;
    expect(await queues.enqueue(delayed)).toMatchObject({ stream: 'tasks', duplicate: false });
    expect(await queues.queuedAt('default', 'fn', 'delayed-1')).toMatchObject({ stream: 'tasks' });

    const direct = accepted('deferred-1');
    expect(await queues.enqueue(direct)).toMatchObject({ stream: 'runs', duplicate: false });
    await queues.defer(direct);
    await queues.defer(direct);
    expect(await queues.isDeferred('default', 'fn', 'deferred-1')).toBe(true);
    const jsm = await jetstreamManager(nc);
    const subject = names.subjects.task('default', 'fn', 'deferred-1');
    const info = await jsm.streams.info(names.streams.tasks, { subjects_filter: subject });
    expect(info.state.subjects).toEqual({ [subject]: 1 });
  });
});

describe('EventBus.publishTogether', () => {
  it("puts a task's events in one message: the last one's, carrying the others oldest first", async () => {
    const bus = createEventBus(nc, names, 'executor');
    const task = { tenant: 'default', functionName: 'fn', taskId: 'together-1', attempt: 1 };
    const jsm = await jetstreamManager(nc);
    const before = (await jsm.streams.info(names.streams.events)).state.messages;
    const [started, succeeded] = await bus.publishTogether([
      { input: { ...task, type: 'TaskStarted' }, at: 1_000 },
      { input: { ...task, type: 'TaskSucceeded', returnPayload: 'ok', durationMs: 3 } },
    ]);
    expect((await jsm.streams.info(names.streams.events)).state.messages).toBe(before + 1);
    const stored = await jsm.streams.getMessage(names.streams.events, {
      last_by_subj: names.subjects.event('default', 'fn', 'TaskSucceeded'),
    });
    const event = stored!.json<TaskEvent>();
    expect(event).toMatchObject({ type: 'TaskSucceeded', eventId: succeeded!.eventId, source: 'executor' });
    expect(event.earlier).toEqual([started]);
    expect(started).toMatchObject({ type: 'TaskStarted', timestamp: 1_000 });
  });
});
