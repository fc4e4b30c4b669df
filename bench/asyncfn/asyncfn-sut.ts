import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createNames } from '@asyncfn/contracts';
import { monoMs, sleep } from '../lib/clock.js';
import type { Completion, CompletionSource } from '../lib/completions.js';
import { serviceTargets } from '../lib/resources.js';
import type { SystemUnderTest } from '../lib/system-under-test.js';
import type { AsyncfnSystem } from './system.js';
import type { StorageUrls } from '../../test/harness/storage.js';

/** The services behind the ingress: stopped, accepted tasks wait in JetStream. */
const BEHIND_INTAKE = ['dispatcher', 'executor', 'status', 'destination'] as const;

/** The collector's datagrams as a completion source: the function finished successfully. */
export function collectorSource(sys: AsyncfnSystem): CompletionSource {
  return {
    name: 'collector',
    async take(_pending, idPrefix): Promise<Completion[]> {
      const { arrivals } = await sys.collector.take(idPrefix);
      return arrivals.map(([id, t]) => ({ id, status: 'Succeeded', atMs: t, seenMs: t }));
    },
  };
}

/**
 * Waits until the dispatcher has taken every accepted task off the task queue and the status and
 * destination services have taken in every claim and event so far: what is left is work for the
 * executors only (none, between phases). `ran`: the executors' run queue must be empty too.
 */
async function settled(
  sys: AsyncfnSystem,
  storage: StorageUrls,
  timeoutMs: number,
  ran = false,
  pollMs = 250,
): Promise<void> {
  const names = createNames(sys.namespace);
  const nc = await connect({ servers: storage.natsUrl, ...storage.natsAuth });
  const consumers: Array<[stream: string, durable: string]> = [
    [names.streams.claims, names.consumers.statusClaims],
    [names.streams.events, names.consumers.status],
    [names.streams.events, names.consumers.destination],
  ];
  try {
    const jsm = await jetstreamManager(nc);
    const deadline = monoMs() + timeoutMs;
    while (monoMs() < deadline) {
      const queues = ran ? [names.streams.tasks, names.streams.runs] : [names.streams.tasks];
      const queued = await Promise.all(queues.map(async (q) => (await jsm.streams.info(q)).state.messages));
      const behind = await Promise.all(
        consumers.map(async ([stream, durable]) => {
          const info = await jsm.consumers.info(stream, durable);
          return info.num_pending + info.num_ack_pending;
        }),
      );
      if ([...queued, ...behind].every((n) => n === 0)) return;
      await sleep(pollMs);
    }
    console.warn(`  asyncfn did not settle within ${timeoutMs} ms; going on anyway`);
  } finally {
    await nc.close();
  }
}

/**
 * asyncfn, invoked through one function. Tracked (asyncTask=true): completion is observed in the
 * read model (primary) and by the collector. Untracked: by the collector only, as the read model
 * has nothing to show once task mode off records nothing.
 */
export function asyncfnSut(
  sys: AsyncfnSystem,
  options: { functionName: string; tracked: boolean; storage: StorageUrls; onRestart: () => Promise<void> },
): SystemUnderTest {
  const sources = options.tracked
    ? [sys.readModel.source(options.functionName), collectorSource(sys)]
    : [collectorSource(sys)];
  return {
    name: 'asyncfn',
    async submit(id, payload) {
      const answer = await sys.client.invokeAsync(options.functionName, id, payload);
      if (answer.status !== 202) {
        const code = /"Code"\s*:\s*"([^"]+)"/.exec(answer.body)?.[1] ?? answer.body.slice(0, 60);
        throw new Error(`HTTP ${answer.status} ${code}`);
      }
    },
    sources: () => sources,
    async pauseConsumers() {
      await sys.stack.stop('executor');
      await options.onRestart();
    },
    async resumeConsumers() {
      await sys.stack.start('executor');
      await options.onRestart();
    },
    async isolateIntake() {
      await Promise.all(BEHIND_INTAKE.map((s) => sys.stack.stop(s)));
      await options.onRestart();
      return async (timeoutMs) => {
        await Promise.all(BEHIND_INTAKE.map((s) => sys.stack.start(s)));
        await options.onRestart();
        await settled(sys, options.storage, timeoutMs, true);
      };
    },
    settle: (timeoutMs, o) => settled(sys, options.storage, timeoutMs, o?.ran, o?.pollMs),
    targets: serviceTargets,
  };
}
