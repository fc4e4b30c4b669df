import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { serverUrls, testNames } from '../../../test/harness/env.js';
import { connectNats } from './connect.js';

const names = testNames('connect');
const subject = `${names.namespace}.flush-test`;
let listener: NatsConnection;

beforeAll(async () => {
  listener = await connectNats(serverUrls().natsUrl, 'flush-listener', serverUrls().natsAuth);
});

afterAll(async () => {
  await listener.close();
});

/** The next `count` messages on the subject, with when each arrived (subscribed once this resolves). */
async function arrivals(count: number): Promise<{ received: Promise<{ data: string; at: number }[]> }> {
  const sub = listener.subscribe(subject, { max: count });
  await listener.flush();
  const received = (async () => {
    const got: { data: string; at: number }[] = [];
    for await (const msg of sub) got.push({ data: msg.string(), at: Date.now() });
    return got;
  })();
  return { received };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('connectNats flushDelayMs', () => {
  it('holds outgoing messages for the delay, so those of several event-loop turns leave together', async () => {
    const nc = await connectNats(serverUrls().natsUrl, 'flush-delayed', serverUrls().natsAuth, {
      flushDelayMs: 300,
    });
    const { received } = await arrivals(3);
    const sentAt = Date.now();
    for (const data of ['a', 'b', 'c']) {
      nc.publish(subject, data);
      await nextTurn();
    }
    const got = await received;
    expect(got.map((m) => m.data)).toEqual(['a', 'b', 'c']);
    expect(got[0]!.at - sentAt).toBeGreaterThanOrEqual(250);
    expect(got[2]!.at - got[0]!.at).toBeLessThan(100);
    await nc.close();
  });

  it('without a delay, sends at once', async () => {
    const nc = await connectNats(serverUrls().natsUrl, 'flush-immediate', serverUrls().natsAuth);
    const { received } = await arrivals(1);
    const sentAt = Date.now();
    nc.publish(subject, 'now');
    const [got] = await received;
    expect(got!.data).toBe('now');
    expect(got!.at - sentAt).toBeLessThan(250);
    await nc.close();
  });

  it('close() sends what was waiting for the delay', async () => {
    const nc = await connectNats(serverUrls().natsUrl, 'flush-closing', serverUrls().natsAuth, {
      flushDelayMs: 10_000,
    });
    const { received } = await arrivals(1);
    nc.publish(subject, 'last words');
    await nc.close();
    const [got] = await received;
    expect(got!.data).toBe('last words');
  });
});
