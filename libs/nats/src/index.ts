export { connectNats, ServerUnreachableError, type NatsCredentials } from './connect.js';
export {
  ensureTopology,
  openBuckets,
  destroyTopology,
  streamConfigs,
  consumerConfigs,
  type Topology,
} from './topology.js';
export {
  createEventBus,
  createTaskClaims,
  createTaskQueues,
  isDueAtOnce,
  type QueuedAt,
  type EventBus,
  type TaskClaims,
  type TaskQueues,
} from './publish.js';
export {
  consumeEach,
  consumeMessages,
  consumeBatches,
  type RunningConsumer,
  type Logger,
} from './consume.js';
export { settle, combineOutcomes, done, retry, drop, type MessageOutcome } from './outcomes.js';
export { holdOpenGroups, type Coalescing } from './coalesce.js';
export { receive, type Received } from './receive.js';
export { createPublisher, subjectOf, type ContractPublisher } from './publish-contract.js';
export { requestByContract, serveRequests, type ServingRequests } from './request-reply.js';
export { decodeMessage, decodeOrThrow, encodeMessage, InvalidMessageError, type Decoded } from './codec.js';
export {
  watchFunctions,
  putFunction,
  deleteFunction,
  createStopRequests,
  mirrorStopRequests,
  createNonceStore,
  createTaskLogs,
  createInstanceDirectory,
  type FunctionDirectory,
  type StopRequest,
  type StopRequests,
  type TaskLogs,
  type InstanceDirectory,
  jsonStore,
  watchDirectory,
  type JsonStore,
  type WatchedDirectory,
} from './kv.js';
export {
  headersWithTrace,
  contextFromHeaders,
  contextFromTraceparent,
  currentTraceparent,
  taskParent,
  subjectTemplate,
  consumerAttributes,
  withProducerSpan,
  withSpan,
  SpanKind,
} from './tracing.js';
export { watchQueueDepth, DEFAULT_QUEUE_DEPTH_REFRESH_MS } from './queue-depth.js';
export { createDestinationFilter, type DestinationFilter } from './destination-filter.js';
export { watchTriggers, putTrigger, deleteTrigger, type TriggerDirectory } from './trigger-kv.js';
export {
  createMessageQueues,
  type MessageQueues,
  type ReceiveOptions,
  type SendOptions,
} from './message-queues.js';
export { openConcurrencyLeases, type ConcurrencyLeases } from './leases.js';
export { createTaskDispatch, dequeuedEvent, type Dispatched, type DispatchDeps } from './dispatch-task.js';
