import { readSetting } from '@asyncfn/config';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** Thrown when a backing server cannot be reached: one clear line naming it and its URL. */
export class ServerUnreachableError extends Error {
  override readonly name = 'ServerUnreachableError';
  readonly code = 'ServerUnreachable';
  constructor(
    readonly server: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(`${server} is not reachable at ${url}`, options);
  }
}

export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  // Named with the namespace too, so nats-server's per-connection counters (/connz) tell several
  // stacks on one server apart (the bench counts each service's messages per task).
  const namespace = readSetting('ASYNCFN_NAMESPACE');
  try {
    return await connect({
      servers: url.split(','),
      name: namespace ? `${name}@${namespace}` : name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: 5_000,
      // Every JetStream publish is a request; with async traces each one builds two Error objects
      // for stack context (with source-mapped stacks, ~10 % of a busy service's CPU). Errors still
      // say what failed, without the caller's stack.
      noAsyncTraces: true,
    });
  } catch (cause) {
    throw new ServerUnreachableError('NATS', url, { cause });
  }
}
