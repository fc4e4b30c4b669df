import { readSetting } from '@asyncfn/config';
import { ServerUnreachableError } from '@asyncfn/contracts';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** User and password of a NATS user (see libs/config natsAuth); none for a server without auth. */
export interface NatsCredentials {
  user: string;
  pass: string;
}

export async function connectNats(
  url: string,
  name: string,
  auth?: NatsCredentials,
): Promise<NatsConnection> {
  const namespace = readSetting('ASYNCFN_NAMESPACE');
  try {
    return await connect({
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
}

/** Moved to libs/contracts (every adapter can import it without NATS); kept here for older imports. */
export { ServerUnreachableError };
