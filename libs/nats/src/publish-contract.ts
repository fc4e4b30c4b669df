import { jetstream, type JetStreamPublishOptions, type PubAck } from '@nats-io/jetstream';
import type { MsgHdrs, NatsConnection } from '@nats-io/transport-node';
import type { MessageContract, Names } from '@asyncfn/contracts';
import { encodeMessage } from './codec.js';
import { headersWithTrace } from './tracing.js';

/** Publishes values by their contract: the subject and the bytes come from it. */
export interface ContractPublisher {
  /**
   * A JetStream publish (stored and acknowledged). `msgID` deduplicates; headers default to the
   * active trace context.
   */
  publish<T>(
    contract: MessageContract<T>,
    value: T,
    options?: Omit<Partial<JetStreamPublishOptions>, 'headers'> & { headers?: MsgHdrs },
  ): Promise<PubAck>;
}

/** The subject a contract's value goes to. */
export function subjectOf<T>(contract: MessageContract<T>, names: Names, value: T): string {
  if (!contract.subject) throw new Error(`${contract.name} has no subject of its own (a reply)`);
  return contract.subject(names, value);
}

export function createPublisher(nc: NatsConnection, names: Names): ContractPublisher {
  const js = jetstream(nc);
  return {
    publish(contract, value, options = {}) {
      return js.publish(subjectOf(contract, names, value), encodeMessage(contract, value), {
        ...options,
        headers: options.headers ?? headersWithTrace(),
      });
    },
  };
}
