import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Names, TriggerRecord } from '@asyncfn/contracts';
import { watchTriggers } from '@asyncfn/nats';
import type { Logger } from '@asyncfn/telemetry';
import { createIntakeClient } from './intake-client.js';
import { startKafkaRunner } from './kafka-runner.js';
import { startNatsRunner } from './nats-runner.js';
import { supervise, type RunnerDeps, type StartRunner, type TriggerRunner } from './runner.js';
import { startTimerRunner } from './timer-runner.js';

/** Which runner a trigger needs in the dispatcher; HTTP triggers are served by the ingress. */
function starterFor(record: TriggerRecord): StartRunner | undefined {
  switch (record.triggerType) {
    case 'kafka':
      return startKafkaRunner;
    case 'nats':
      return startNatsRunner;
    case 'timer':
      return record.triggerConfig.enable ? startTimerRunner : undefined;
    case 'http':
      return undefined;
    default: {
      const unknown: never = record;
      throw new Error(`unknown trigger type ${JSON.stringify(unknown)}`);
    }
  }
}

/** Whether a runner replaced by `next` leaves state (a JetStream durable) that `next` still reads. */
function sameSource(previous: TriggerRecord, next: TriggerRecord | undefined): boolean {
  if (!next || next.triggerId !== previous.triggerId || next.triggerType !== previous.triggerType)
    return false;
  if (previous.triggerType === 'nats' && next.triggerType === 'nats') {
    return previous.triggerConfig.stream === next.triggerConfig.stream;
  }
  return true;
}

/**
 * Runs the dispatcher's side of every trigger: watches the `triggers` KV bucket and starts,
 * restarts (on update) and stops (on delete) one runner per Kafka, NATS and enabled timer
 * trigger. Changes of one trigger are applied in order; `stop` ends every runner (shutdown).
 */
export async function startTriggerRunners(deps: {
  nc: NatsConnection;
  names: Names;
  kv: KV;
  kafkaBrokers: string[];
  logger: Logger;
  clock?: () => number;
}): Promise<{ stop(): Promise<void> }> {
  const runnerDeps: RunnerDeps = {
    nc: deps.nc,
    names: deps.names,
    intake: createIntakeClient(deps.nc, deps.names),
    kafkaBrokers: deps.kafkaBrokers,
    logger: deps.logger,
    clock: deps.clock ?? Date.now,
  };
  const active = new Map<string, { record: TriggerRecord; runner: TriggerRunner | undefined }>();
  const queues = new Map<string, Promise<void>>();
  let stopping = false;

  async function apply(key: string, record: TriggerRecord | undefined): Promise<void> {
    if (stopping) return;
    const current = active.get(key);
    if (current && record && JSON.stringify(current.record) === JSON.stringify(record)) return;
    if (current) {
      active.delete(key);
      await current.runner?.stop({ removed: !sameSource(current.record, record) });
    }
    if (!record || stopping) return;
    const start = starterFor(record);
    active.set(key, { record, runner: start ? supervise(record, runnerDeps, start) : undefined });
  }

  const directory = await watchTriggers(deps.kv);
  directory.onChange((key, record) => {
    const next = (queues.get(key) ?? Promise.resolve())
      .then(() => apply(key, record))
      .catch((err: unknown) => deps.logger.error({ err, key }, 'trigger runner change failed'));
    queues.set(key, next);
    void next.finally(() => {
      if (queues.get(key) === next) queues.delete(key);
    });
  });

  return {
    async stop() {
      stopping = true;
      directory.stop();
      await Promise.allSettled(queues.values());
      await Promise.allSettled([...active.values()].map(({ runner }) => runner?.stop({ removed: false })));
      active.clear();
    },
  };
}
