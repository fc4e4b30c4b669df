import type { Msg, MsgHdrs, NatsConnection } from '@nats-io/transport-node';
import type { Names, RequestContract } from '@asyncfn/contracts';
import { decodeMessage, decodeOrThrow, encodeMessage } from './codec.js';
import { subjectOf } from './publish-contract.js';

/*
 * Core NATS request/reply by contract: the request's subject and bytes come from its contract, the
 * reply is decoded and checked by the reply's contract.
 */

/**
 * Sends a request and returns its checked reply. Throws what NATS throws (no responders, timeout)
 * or InvalidMessageError for a reply that is not one.
 */
export async function requestByContract<Req, Rep>(
  nc: NatsConnection,
  names: Names,
  contract: RequestContract<Req, Rep>,
  value: Req,
  options: { timeout: number; headers?: MsgHdrs },
): Promise<Rep> {
  const msg = await nc.request(subjectOf(contract, names, value), encodeMessage(contract, value), options);
  return decodeOrThrow(contract.reply, msg.data);
}

export interface ServingRequests {
  /** Stops taking requests and waits for those in hand to be answered. */
  stop(): Promise<void>;
}

/**
 * Answers requests on `subject` in a queue group. The handler gets each request decoded and
 * checked; a request that is not one cannot be dropped (its sender waits for an answer), so it is
 * answered with `invalid(reason)`, logged once naming the contract. A handler that throws is
 * answered with `failed(err)`.
 */
export function serveRequests<Req, Rep>(options: {
  nc: NatsConnection;
  subject: string;
  queue: string;
  contract: RequestContract<Req, Rep>;
  logger: { warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
  handle: (request: Req, msg: Msg) => Promise<Rep>;
  invalid: (reason: string) => Rep;
  failed: (err: unknown) => Rep;
}): ServingRequests {
  const { contract, logger } = options;
  const sub = options.nc.subscribe(options.subject, { queue: options.queue });
  const inFlight = new Set<Promise<void>>();

  async function answer(msg: Msg): Promise<Rep> {
    const decoded = decodeMessage(contract, msg.data);
    if (!decoded.ok) {
      logger.warn(
        { contract: contract.name, reason: decoded.reason, subject: msg.subject },
        'invalid request refused',
      );
      return options.invalid(decoded.reason);
    }
    try {
      return await options.handle(decoded.value, msg);
    } catch (err) {
      return options.failed(err);
    }
  }

  const loop = (async () => {
    for await (const msg of sub) {
      const p = answer(msg)
        .then((reply) => {
          msg.respond(encodeMessage(contract.reply, reply));
        })
        .catch((err: unknown) => logger.error({ err, subject: msg.subject }, 'could not answer a request'))
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  })();

  return {
    async stop() {
      await sub.drain().catch(() => undefined);
      await loop.catch(() => undefined);
      await Promise.allSettled(inFlight);
    },
  };
}
