import { readSetting } from '@asyncfn/config';
import { ServerUnreachableError } from '@asyncfn/contracts';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** User and password of a NATS user (see libs/config natsAuth); none for a server without auth. */
export interface NatsCredentials {
  user: string;
  pass: string;
}

/** How the connection writes: see ASYNCFN_NATS_FLUSH_MS. */
export interface NatsWriteOptions {
  /**
   * How long outgoing messages gather before one socket write (0: once per event-loop turn). On a
   * small machine a write wakes nats-server and costs more than the message; the services that
   * answer no request (acks, events) can wait a few milliseconds to share one.
   */
  flushDelayMs?: number;
}

export async function connectNats(
  url: string,
  name: string,
  auth?: NatsCredentials,
  write: NatsWriteOptions = {},
): Promise<NatsConnection> {
  const namespace = readSetting('ASYNCFN_NAMESPACE');
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: url.split(','),
      // Named with the namespace too, so nats-server's per-connection counters (/connz) tell several
      // stacks on one server apart (the bench counts each service's messages per task).
      name: namespace ? `${name}@${namespace}` : name,
      ...(auth ? { user: auth.user, pass: auth.pass } : {}),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: 5_000,
      // Every JetStream publish is a request; with async traces each one builds two Error objects
      // for stack context (with source-mapped stacks, ~10 % of a busy service's CPU). Errors still
      // say what failed, without the caller's stack.
      noAsyncTraces: true,
    });
  } catch (cause) {
    // An authentication failure is not an unreachable server: say which user was refused.
    const refused = /authorization|authentication/i.test(String((cause as Error).message));
    const reason = refused
      ? `refused ${auth ? `the credentials of user '${auth.user}'` : 'a client without credentials'}`
      : undefined;
    throw new ServerUnreachableError('NATS', url, { cause, reason });
  }
  // Read by our patch of nats-core's protocol handler (patches/@nats-io+nats-core+*.patch).
  (nc as unknown as { protocol: { flushDelayMs?: number } }).protocol.flushDelayMs = write.flushDelayMs ?? 0;
  return nc;
}

/** Moved to libs/contracts (every adapter can import it without NATS); kept here for older imports. */
export { ServerUnreachableError };
