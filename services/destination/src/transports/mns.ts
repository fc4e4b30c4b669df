import type { MessageQueues } from '@asyncfn/nats';
import { DeliveryError, DeliveryErrorCode } from '../errors.js';

/**
 * FC's MNS queue destinations (`acs:mns:<region>:<account>:/queues/<q>/messages`): the record is
 * appended to the function's tenant's local queue `<q>` (a subject of the queues stream), with
 * the delivery id as Nats-Msg-Id, so a retried attempt is stored once. Received over the API
 * (`GET /2023-03-30/queues/<q>/messages`).
 */
export function createMnsTransport(queues: MessageQueues, options: { timeoutMs: number }) {
  return {
    async send(
      tenant: string,
      queueName: string,
      body: string,
      headers: Record<string, string>,
      msgId: string,
    ): Promise<void> {
      try {
        await queues.send(tenant, queueName, body, { msgId, headers, timeoutMs: options.timeoutMs });
      } catch (cause) {
        throw new DeliveryError(
          DeliveryErrorCode.DestinationUnreachable,
          `sending to queue ${queueName} failed: ${(cause as Error).message}`,
          { cause },
        );
      }
    },
  };
}
