import { jetstream, type ConsumerMessages } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { natsAuth } from '@asyncfn/config';
import { monoMs, sleep } from '../lib/clock.js';
import { ArrivalLog } from '../lib/arrivals.js';
import { serveParent } from '../lib/child.js';

/*
 * Bench child: the raw JetStream peer's consumer. A durable pull consumer, messages pulled up to
 * the same concurrency as the asyncfn function, each acknowledged (noop work). A message counts
 * as consumed when it is acked; its id is its Nats-Msg-Id.
 */

const stream = process.env.BENCH_STREAM ?? 'BENCH';
const durable = process.env.BENCH_DURABLE ?? 'worker';
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 50);
const nc = await connect({
  servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  name: 'bench-js-consumer',
  ...natsAuth('admin'),
});
const js = jetstream(nc);

/*
 * Pull requests live on the server until they expire; closing the iterator does not cancel them.
 * A pull left by a paused consumer takes up to `concurrency` messages of the backlog that follows
 * into an inbox nobody reads, and they come back only after the ack wait (30 s): one bench run's
 * drain measured 343/s instead of ~34,000/s that way. So pulls expire quickly, and pausing waits
 * until the last one has.
 */
const PULL_EXPIRES_MS = 1_000;

const done = new ArrivalLog();
let messages: ConsumerMessages | undefined;
let loop: Promise<void> | undefined;

serveParent({
  async run() {
    if (messages) return;
    const consumer = await js.consumers.get(stream, durable);
    const iter = await consumer.consume({ max_messages: concurrency, expires: PULL_EXPIRES_MS });
    messages = iter;
    loop = (async () => {
      for await (const msg of iter) {
        msg.ack();
        done.record(msg.headers?.get('Nats-Msg-Id') ?? '', monoMs());
      }
    })();
  },
  async pause() {
    const iter = messages;
    messages = undefined;
    if (!iter) return;
    await iter.close();
    await loop?.catch(() => undefined);
    await sleep(PULL_EXPIRES_MS + 500);
  },
  take: (prefix) => done.take(String(prefix), monoMs()),
});

process.on('SIGTERM', () => {
  void nc.close().finally(() => process.exit(0));
});
