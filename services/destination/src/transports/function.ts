import type { NatsConnection } from '@nats-io/transport-node';
import { Messages, isRetryable, type IntakeReply, type IntakeRequest, type Names } from '@asyncfn/contracts';
import { requestByContract } from '@asyncfn/nats';
import { DeliveryError, DeliveryErrorCode } from '../errors.js';

/**
 * `function:` destinations: the record becomes the event of a new task of that function (same
 * tenant), accepted by the ingress over the intake request/reply subject. The task id is
 * deterministic, so a retried delivery finds AsyncTaskAlreadyExists: that counts as delivered.
 */
export function createFunctionTransport(nc: NatsConnection, names: Names, options: { timeoutMs: number }) {
  return {
    async invoke(request: IntakeRequest): Promise<'accepted' | 'already-accepted'> {
      let reply: IntakeReply;
      try {
        reply = await requestByContract(nc, names, Messages.intake, request, { timeout: options.timeoutMs });
      } catch (cause) {
        throw new DeliveryError(
          DeliveryErrorCode.DestinationUnreachable,
          `invoking function ${request.functionName} failed: ${(cause as Error).message} (is an ingress running?)`,
          { cause },
        );
      }
      if (reply.ok) return 'accepted';
      if (reply.code === 'AsyncTaskAlreadyExists') return 'already-accepted';
      // The registry says whether the intake's refusal can change (the same answer as the
      // dispatcher's trigger intake client gives).
      throw new DeliveryError(
        isRetryable(reply.code)
          ? DeliveryErrorCode.DestinationRejected
          : DeliveryErrorCode.DestinationInvalid,
        `invoking function ${request.functionName}: ${reply.code}: ${reply.message}`,
      );
    },
  };
}
