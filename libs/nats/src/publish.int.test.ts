import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { buildAcceptedTask } from '@asyncfn/core';
import { serverUrls, testNames } from '../../../test/harness/env.js';
import { connectNats } from './connect.js';
import { createTaskQueues, type TaskQueues } from './publish.js';
import { ensureTopology } from './topology.js';

const names = testNames('queues');
let nc: NatsConnection;
let queues: TaskQueues;

beforeAll(async () => {
  nc = await connectNats(serverUrls().natsUrl, 'publish-test');
  await ensureTopology(nc, names);
  queues = await createTaskQueues(nc, names);
});

afterAll(async () => {
  await nc.close();
});

const accepted = (taskId: string) =>
  buildAcceptedTask(
    {
      tenant: 'default',
      functionName: 'fn',
      taskId,
      requestId: `r-${taskId}`,
      payload: 'cA==',
      delaySeconds: 0,
    },
    Date.now(),
  ).message;

describe('TaskQueues', () => {
  it('enqueueUnconfirmed stores the task once, deduplicated like a confirmed enqueue', async () => {
    const message = accepted('unconfirmed-1');
    await queues.enqueueUnconfirmed(message);
    await queues.enqueueUnconfirmed(message);
    // A plain publish has no acknowledgement: a flush makes sure the server has processed it.
    await nc.flush();
    const seq = await queues.queuedSeq('default', 'fn', 'unconfirmed-1');
    expect(seq).toBeTypeOf('number');
    // The same task id confirmed later is recognised as the message already stored.
    expect(await queues.enqueue(message)).toEqual({ seq, duplicate: true });
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(names.streams.tasks, {
      subjects_filter: names.subjects.task('default', 'fn', 'unconfirmed-1'),
    });
    expect(info.state.subjects).toEqual({ [names.subjects.task('default', 'fn', 'unconfirmed-1')]: 1 });
  });
});
