import type { NatsConnection } from '@nats-io/transport-node';
import type { Names, TriggerRecord } from '@asyncfn/contracts';
import { doubledDelayMs } from '@asyncfn/core';
import type { Logger } from '@asyncfn/telemetry';
import { sleep, type IntakeClient } from './intake-client.js';

/** What a runner needs from the dispatcher. */
export interface RunnerDeps {
  nc: NatsConnection;
  names: Names;
  intake: IntakeClient;
  kafkaBrokers: string[];
  logger: Logger;
  clock: () => number;
}

export interface StopOptions {
  /**
   * The trigger is gone (or now reads elsewhere): drop server-side state kept for it (the
   * JetStream durable consumer). False on shutdown and on updates that keep reading the same source.
   */
  removed: boolean;
}

/** A trigger's consumer or timer, running in this dispatcher replica. */
export interface TriggerRunner {
  stop(options: StopOptions): Promise<void>;
}

export type StartRunner = (
  record: TriggerRecord,
  deps: RunnerDeps,
  signal: AbortSignal,
) => Promise<TriggerRunner>;

/**
 * Starts a runner and keeps trying while its source is unreachable (Kafka down, a stream or
 * topic not created yet), with backoff up to 30 s; returns at once.
 */
export function supervise(record: TriggerRecord, deps: RunnerDeps, start: StartRunner): TriggerRunner {
  const abort = new AbortController();
  const log = deps.logger.child({
    trigger: record.triggerName,
    triggerType: record.triggerType,
    functionName: record.functionName,
    tenant: record.tenant,
  });
  let running: TriggerRunner | undefined;
  const starting = (async () => {
    let delay = 1_000;
    while (!abort.signal.aborted) {
      try {
        running = await start(record, { ...deps, logger: log }, abort.signal);
        log.info('trigger runner started');
        return;
      } catch (err) {
        if (abort.signal.aborted) return;
        log.warn({ err, retryInMs: delay }, 'trigger runner could not start; retrying');
        await sleep(delay, abort.signal);
        delay = doubledDelayMs(delay, 30_000);
      }
    }
  })();
  return {
    async stop(options) {
      abort.abort();
      await starting;
      await running?.stop(options);
    },
  };
}
