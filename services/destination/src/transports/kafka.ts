import type { KafkaProducer } from '@asyncfn/kafka';
import { ServerUnreachableError } from '@asyncfn/kafka';
import { DeliveryError, DeliveryErrorCode } from '../errors.js';

/** Kafka destinations: the shared idempotent producer; key = delivery id (so one task, one partition). */
export function createKafkaTransport(producer: KafkaProducer) {
  return {
    async send(topic: string, key: string, body: string, headers: Record<string, string>): Promise<void> {
      try {
        await producer.send({ topic, key, value: body, headers });
      } catch (cause) {
        throw new DeliveryError(
          DeliveryErrorCode.DestinationUnreachable,
          cause instanceof ServerUnreachableError
            ? cause.message
            : `sending to Kafka topic ${topic} failed: ${(cause as Error).message}`,
          { cause },
        );
      }
    },
  };
}
