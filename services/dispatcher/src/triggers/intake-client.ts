import type { NatsConnection } from '@nats-io/transport-node';
import { Messages, isRetryable, type IntakeRequest, type Names } from '@asyncfn/contracts';
import { requestByContract } from '@asyncfn/nats';
import { doubledDelayMs } from '@asyncfn/core';

/**
 * Trigger runners hand invocations to the ingress's intake (core NATS request/reply), the one
 * acceptor: same dedupe claim, same Enqueued history, same queue as the HTTP API.
 */

/** accepted: a new task; duplicate: that task id was accepted before (a redelivery, another replica). */
export type SubmitOutcome = 'accepted' | 'duplicate';

/** The intake refused the invocation for good (function gone, payload too large, ...): retrying cannot help. */
export class IntakeRejectedError extends Error {
  override readonly name = 'IntakeRejectedError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface IntakeClient {
  /** Throws IntakeRejectedError (permanent) or another error (transient: no ingress, timeout, outage). */
  submit(request: Omit<IntakeRequest, 'v'>): Promise<SubmitOutcome>;
}

export function createIntakeClient(nc: NatsConnection, names: Names, timeoutMs = 10_000): IntakeClient {
  return {
    async submit(request) {
      const reply = await requestByContract(
        nc,
        names,
        Messages.intake,
        { v: 1 as const, ...request },
        { timeout: timeoutMs },
      );
      if (reply.ok) return 'accepted';
      if (reply.code === 'AsyncTaskAlreadyExists') return 'duplicate';
      // The registry says whether the same request may succeed later (the destination's function
      // transport asks the same question).
      if (isRetryable(reply.code)) throw new Error(`intake: ${reply.code}: ${reply.message}`);
      throw new IntakeRejectedError(reply.code, reply.message);
    },
  };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

/**
 * Submits until the intake answers for good: transient failures are retried with backoff (the
 * same task id, so a retry after a lost reply is a duplicate, not a second task) until `signal`
 * aborts, which throws. A permanent refusal resolves 'rejected' after a warning: the message
 * cannot become a task, holding it back would only stop the ones behind it.
 */
export async function submitUntilAnswered(
  client: IntakeClient,
  request: Omit<IntakeRequest, 'v'>,
  options: {
    signal: AbortSignal;
    logger: { warn(obj: object, msg?: string): void };
    maxDelayMs?: number;
  },
): Promise<SubmitOutcome | 'rejected'> {
  let delay = 250;
  for (;;) {
    if (options.signal.aborted) throw new Error('trigger stopped before the intake answered');
    try {
      return await client.submit(request);
    } catch (err) {
      const where = { taskId: request.taskId, functionName: request.functionName, tenant: request.tenant };
      if (err instanceof IntakeRejectedError) {
        options.logger.warn(
          { ...where, code: err.code, err },
          'trigger: invocation refused by the intake; skipped',
        );
        return 'rejected';
      }
      options.logger.warn({ ...where, err, retryInMs: delay }, 'trigger: intake unavailable; retrying');
      await sleep(delay, options.signal);
      delay = doubledDelayMs(delay, options.maxDelayMs ?? 10_000);
    }
  }
}

export { sleep };
