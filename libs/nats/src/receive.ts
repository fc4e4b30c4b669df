import type { JsMsg } from '@nats-io/jetstream';
import type { MessageContract } from '@asyncfn/contracts';
import { decodeMessage } from './codec.js';
import { drop, type MessageOutcome } from './outcomes.js';

/** A consumed message with its body decoded and checked against its contract. */
export interface Received<T> {
  msg: JsMsg;
  value: T;
}

export interface DropLogger {
  warn(obj: object, msg?: string): void;
}

/**
 * A consumed message's value, or the drop of a message that cannot be read or does not match its
 * contract: redelivering it cannot make it readable. This is the one place such a message is
 * dropped, with one log line naming the contract and why.
 */
export function receive<T>(
  contract: MessageContract<T>,
  msg: JsMsg,
  logger: DropLogger,
): Received<T> | { dropped: MessageOutcome } {
  const decoded = decodeMessage(contract, msg.data);
  if (decoded.ok) return { msg, value: decoded.value };
  logger.warn(
    { contract: contract.name, reason: decoded.reason, subject: msg.subject, seq: msg.seq },
    'unreadable message dropped',
  );
  return { dropped: drop(decoded.reason) };
}
