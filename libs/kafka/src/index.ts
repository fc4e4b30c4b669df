export {
  createKafkaProducer,
  type KafkaMessage,
  type KafkaProducer,
  type KafkaProducerOptions,
} from './producer.js';
export { ServerUnreachableError } from '@asyncfn/contracts';
export {
  startKafkaConsumer,
  type KafkaConsumer,
  type KafkaConsumerOptions,
  type KafkaRecord,
} from './consumer.js';
export { isExpectedKafkaLog, kafkaLogCreator, type KafkaLogSink } from './log.js';
