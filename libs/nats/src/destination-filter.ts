import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { TaskEventType, type Names } from '@asyncfn/contracts';

const POLL_MS = 20;

export interface DestinationFilter {
  /**
   * Resolves once the destination service's consumer takes the function's terminal events, so a
   * destination just configured applies to every task that finishes after this; after
   * `timeoutMs` anyway (the service is down: it builds its filter from the functions before it
   * consumes again, so nothing is passed over).
   */
  awaitIncludes(tenant: string, functionName: string, timeoutMs?: number): Promise<void>;
}

/** Reads the destination consumer's filter (which the destination service keeps, see keepEventFilter). */
export function createDestinationFilter(nc: NatsConnection, names: Names): DestinationFilter {
  const everything = names.subjects.eventsOfType(TaskEventType.TaskSucceeded);
  return {
    async awaitIncludes(tenant, functionName, timeoutMs = 2_000) {
      const jsm = await jetstreamManager(nc);
      const subject = names.subjects.event(tenant, functionName, TaskEventType.TaskSucceeded);
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const info = await jsm.consumers.info(names.streams.events, names.consumers.destination);
        const filter = info.config.filter_subjects ?? [info.config.filter_subject ?? ''];
        if (filter.includes(subject) || filter.includes(everything)) return;
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    },
  };
}
