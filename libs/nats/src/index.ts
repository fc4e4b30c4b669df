export { connectNats, ServerUnreachableError } from './connect.js';
export {
  ensureTopology,
  openBuckets,
  destroyTopology,
  streamConfigs,
  consumerConfigs,
  type Topology,
} from './topology.js';
export { createEventBus, createTaskQueues, type EventBus, type TaskQueues } from './publish.js';
export {
  consumeEach,
  consumeBatches,
  settle,
  done,
  retry,
  drop,
  type MessageOutcome,
  type RunningConsumer,
  type Logger,
} from './consume.js';
export {
  watchFunctions,
  putFunction,
  deleteFunction,
  createStopRequests,
  createNonceStore,
  type FunctionDirectory,
  type StopRequest,
  type StopRequests,
} from './kv.js';
export {
  headersWithTrace,
  contextFromHeaders,
  contextFromTraceparent,
  currentTraceparent,
  withSpan,
  SpanKind,
} from './tracing.js';
