/*
 * Errors of the backing servers, shared by every adapter (NATS, MongoDB, Kafka): here, where each
 * adapter already depends, so none has to import another adapter for them.
 */

/** Thrown when a backing server cannot be reached: one clear line naming it and its URL. */
export class ServerUnreachableError extends Error {
  override readonly name = 'ServerUnreachableError';
  readonly code = 'ServerUnreachable';
  constructor(
    readonly server: string,
    readonly url: string,
    options?: { cause?: unknown; reason?: string },
  ) {
    super(`${server} ${options?.reason ?? 'is not reachable'} at ${url}`, options);
  }
}
