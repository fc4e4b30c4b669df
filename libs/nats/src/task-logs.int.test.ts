import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { serverUrls, testNames } from '../../../test/harness/env.js';
import { connectNats } from './connect.js';
import { createTaskLogs, type TaskLogs } from './kv.js';
import { openBuckets } from './topology.js';

const names = testNames('tasklogs');
let nc: NatsConnection;
let logs: TaskLogs;

beforeAll(async () => {
  nc = await connectNats(serverUrls().natsUrl, 'task-logs-test', serverUrls().natsAuth);
  logs = createTaskLogs((await openBuckets(nc, names)).logs);
});

afterAll(async () => {
  await nc.close();
});

describe('TaskLogs.append', () => {
  it('given a first append and no logs yet, creates the record', async () => {
    await logs.append('acme', 'first-1', '-- 1 --\n', 'hello', 1024, { firstAppend: true });
    expect(await logs.read('acme', 'first-1')).toMatchObject({
      logs: '-- 1 --\nhello\n',
      attempts: 1,
      truncated: false,
    });
  });

  it('given a first append where logs exist (a redelivered attempt), appends to them all the same', async () => {
    await logs.append('acme', 'first-2', '-- 1 --\n', 'one', 1024);
    await logs.append('acme', 'first-2', '-- 1 again --\n', 'two', 1024, { firstAppend: true });
    expect(await logs.read('acme', 'first-2')).toMatchObject({
      logs: '-- 1 --\none\n-- 1 again --\ntwo\n',
      attempts: 2,
    });
  });
});
