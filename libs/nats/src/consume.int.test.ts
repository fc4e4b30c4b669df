import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Messages, type AcceptedTaskMessage } from '@asyncfn/contracts';
import { buildAcceptedTask } from '@asyncfn/core';
import { serverUrls, testNames } from '../../../test/harness/env.js';
import { connectNats } from './connect.js';
import { consumeEach } from './consume.js';
import { done } from './outcomes.js';
import { createTaskQueues } from './publish.js';
import { destroyTopology, ensureTopology } from './topology.js';

const names = testNames('consume');
let nc: NatsConnection;

beforeAll(async () => {
  nc = await connectNats(serverUrls().natsUrl, 'consume-test', serverUrls().natsAuth);
  await ensureTopology(nc, names);
});

afterAll(async () => {
  await destroyTopology(nc, names).catch(() => undefined);
  await nc.close();
});

const until = async (condition: () => boolean, timeoutMs = 10_000) => {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('consuming by contract', () => {
  it('hands the handler checked values only, and drops an invalid message once, naming the contract', async () => {
    const valid = buildAcceptedTask(
      {
        tenant: 'acme',
        functionName: 'fn',
        taskId: 'ok-1',
        requestId: 'r1',
        payload: 'cA==',
        delaySeconds: 0,
      },
      Date.now(),
    ).message;
    const js = jetstream(nc);
    const subject = names.subjects.task('acme', 'fn', 'bad-1');
    // Another version, then a wrong shape, then not JSON at all.
    await js.publish(subject, JSON.stringify({ ...valid, taskId: 'bad-1', v: 2 }), { msgID: 'bad-v' });
    await js.publish(subject, JSON.stringify({ ...valid, taskId: 42 }), { msgID: 'bad-shape' });
    await js.publish(subject, '{"v":1,', { msgID: 'bad-json' });
    // To the dispatcher's queue (a task due at once would go to the executors').
    await (await createTaskQueues(nc, names)).defer(valid);

    const handled: AcceptedTaskMessage[] = [];
    const warnings: { obj: Record<string, unknown>; text?: string }[] = [];
    const consumer = await consumeEach({
      nc,
      stream: names.streams.tasks,
      durable: names.consumers.dispatcher,
      contract: Messages.acceptedTask,
      concurrency: 4,
      logger: {
        warn: (obj, text) => warnings.push({ obj: obj as Record<string, unknown>, text }),
        error: () => {},
      },
      handle: async (task) => {
        handled.push(task);
        return done;
      },
    });
    try {
      await until(() => handled.length === 1 && warnings.length === 3);
      const jsm = await jetstreamManager(nc);
      await new Promise((r) => setTimeout(r, 500)); // time for a redelivery, if one came
      const info = await jsm.consumers.info(names.streams.tasks, names.consumers.dispatcher);
      expect(info.num_ack_pending).toBe(0);
      expect(info.num_redelivered).toBe(0);
    } finally {
      await consumer.stop();
    }
    expect(handled).toEqual([valid]);
    expect(warnings.map((w) => w.text)).toEqual(Array(3).fill('unreadable message dropped'));
    expect(warnings.map((w) => w.obj.contract)).toEqual(Array(3).fill('AcceptedTaskMessage'));
    expect(warnings.map((w) => w.obj.reason)).toEqual([
      'AcceptedTaskMessage: version 2, this service reads version 1',
      expect.stringMatching(/^AcceptedTaskMessage: \/taskId /),
      'AcceptedTaskMessage: not valid JSON',
    ]);
  });
});
