import type { JsMsg } from '@nats-io/jetstream';

/**
 * A message's JSON body, or undefined when it cannot be read: the handler then drops the message
 * (`if (!x) return drop('unreadable …')`), since redelivering it cannot make it readable.
 */
export function decodeJson<T>(msg: Pick<JsMsg, 'json'>): T | undefined {
  try {
    return msg.json<T>();
  } catch {
    return undefined;
  }
}
