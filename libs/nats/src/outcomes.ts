import type { JsMsg } from '@nats-io/jetstream';

/**
 * What a handler decided about a message. The one mapping to JetStream acknowledgements:
 * done → ack, retry → nak(delay) (redelivered later), drop → term (never redelivered).
 */
export type MessageOutcome =
  { kind: 'done' } | { kind: 'retry'; delayMs: number; reason: string } | { kind: 'drop'; reason: string };

export const done: MessageOutcome = { kind: 'done' };
export const retry = (delayMs: number, reason: string): MessageOutcome => ({
  kind: 'retry',
  delayMs,
  reason,
});
export const drop = (reason: string): MessageOutcome => ({ kind: 'drop', reason });

/**
 * One outcome for a message that several decisions were made about (it carried several events):
 * a retry wins, since what was done is idempotent when the message comes back; then a drop.
 */
export function combineOutcomes(a: MessageOutcome | undefined, b: MessageOutcome): MessageOutcome {
  if (!a) return b;
  const rank = { done: 0, drop: 1, retry: 2 } as const;
  if (a.kind === 'retry' && b.kind === 'retry') return a.delayMs >= b.delayMs ? a : b;
  return rank[b.kind] > rank[a.kind] ? b : a;
}

export function settle(msg: JsMsg, outcome: MessageOutcome): void {
  switch (outcome.kind) {
    case 'done':
      msg.ack();
      return;
    case 'retry':
      msg.nak(outcome.delayMs);
      return;
    case 'drop':
      msg.term(outcome.reason);
      return;
    default: {
      const unknown: never = outcome;
      throw new Error(`unknown outcome ${JSON.stringify(unknown)}`);
    }
  }
}
