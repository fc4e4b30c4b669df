import { jetstreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { FunctionRecord, Names } from '@asyncfn/contracts';
import { destinationEventFilter, hasDestinations } from '@asyncfn/core';
import { jsonStore, type FunctionDirectory } from '@asyncfn/nats';
import type { Logger } from '@asyncfn/telemetry';

const RETRY_MS = 1_000;

/**
 * Keeps the destination consumer's filter to the terminal events of functions that have
 * destinations (destinationEventFilter), following the function directory. Started before the
 * consumer takes anything: the first filter is built from every stored function, so a restart
 * behind a backlog never passes over an event its function's destination is waiting for.
 */
export async function keepEventFilter(deps: {
  nc: NatsConnection;
  names: Names;
  bucket: KV;
  functions: FunctionDirectory;
  logger: Logger;
}): Promise<{ stop(): void }> {
  const { names, logger } = deps;
  const jsm = await jetstreamManager(deps.nc);
  const withDestinations = new Map<string, { tenant: string; functionName: string }>();
  const note = (key: string, fn: FunctionRecord | undefined) => {
    if (fn && hasDestinations(fn))
      withDestinations.set(key, { tenant: fn.tenant, functionName: fn.functionName });
    else withDestinations.delete(key);
  };

  const store = jsonStore<FunctionRecord>(deps.bucket);
  const keys = await store.keys();
  const stored = await Promise.all(keys.map((key) => store.get(key)));
  keys.forEach((key, i) => note(key, stored[i]));

  let applied = '';
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const apply = async (): Promise<void> => {
    const filter = destinationEventFilter(names, [...withDestinations.values()]);
    const wanted = JSON.stringify(filter);
    if (wanted === applied) return;
    await jsm.consumers.update(names.streams.events, names.consumers.destination, {
      filter_subjects: filter,
    });
    applied = wanted;
    logger.info(
      { functions: withDestinations.size, subjects: filter.length },
      'destination event filter set',
    );
  };
  // Updates one at a time, the latest state each time; a failed one is tried again.
  let running: Promise<void> = apply();
  await running;
  const schedule = (delayMs = 0) => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = running.then(apply).catch((err: unknown) => {
        logger.warn({ err }, 'destination event filter not updated; trying again');
        schedule(RETRY_MS);
      });
    }, delayMs);
  };
  deps.functions.onChange((key, fn) => {
    note(key, fn);
    schedule();
  });
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
