import { ROOT_CONTEXT } from '@opentelemetry/api';
import { kafkaTriggerEvent, triggerTaskIds } from '@asyncfn/core';
import { startKafkaConsumer } from '@asyncfn/kafka';
import { SpanKind, contextFromTraceparent } from '@asyncfn/nats';
import { SemAttr } from '@asyncfn/telemetry';
import { invokeFromTrigger } from './invoke.js';
import type { StartRunner } from './runner.js';

/**
 * A Kafka trigger: a consumer in the trigger's group (every dispatcher replica joins it, so the
 * partitions are shared). Each record becomes one task, id `k-<hash(trigger, topic)>-<partition>-
 * <offset>`; its offset is committed only once the intake answered (accepted or duplicate), so a
 * record read again after a crash or an offset reset is a duplicate, not a second task.
 */
export const startKafkaRunner: StartRunner = async (record, deps) => {
  if (record.triggerType !== 'kafka') throw new Error(`not a kafka trigger: ${record.triggerType}`);
  const config = record.triggerConfig;
  const groupId = config.groupId ?? deps.names.triggers.kafkaGroupId(record.triggerId);
  const consumer = await startKafkaConsumer({
    brokers: deps.kafkaBrokers,
    groupId,
    topic: config.topic,
    fromBeginning: config.fromBeginning ?? false,
    // Not from the beginning: from the trigger's creation, so no record produced after it is skipped.
    ...(config.fromBeginning ? {} : { startAtTime: Date.parse(record.createdTime) }),
    clientId: `asyncfn-trigger-${record.triggerName}`,
    connectTimeoutMs: 5_000,
    logger: deps.logger,
    handle: async (message, signal) => {
      const traceparent = message.headers.traceparent;
      await invokeFromTrigger(deps, record, {
        taskId: triggerTaskIds.kafka(record.triggerId, message.topic, message.partition, message.offset),
        event: kafkaTriggerEvent(message),
        // The producer's trace when the record carries one; otherwise the task starts a trace.
        parent: traceparent ? contextFromTraceparent(traceparent) : ROOT_CONTEXT,
        kind: SpanKind.CONSUMER,
        attributes: {
          [SemAttr.messagingSystem]: 'kafka',
          [SemAttr.messagingDestination]: message.topic,
          [SemAttr.messagingOperationType]: 'process',
          [SemAttr.messagingConsumerGroup]: groupId,
          'messaging.kafka.offset': message.offset,
          'messaging.destination.partition.id': String(message.partition),
        },
        signal,
      });
    },
  });
  return { stop: () => consumer.stop() };
};
