export * from './task-state.js';
export * from './projection.js';
// The error registry lives in contracts; re-exported for the services that import errors from core.
export {
  ApiError,
  ERRORS,
  errorMessage,
  fcError,
  isRetryable,
  notFound,
  type ErrorCode,
} from '@asyncfn/contracts';
export * from './validation.js';
export * from './query-validation.js';
export * from './views.js';
export * from './dispatch.js';
export * from './attempt.js';
export * from './apply-events.js';
export * from './function-record.js';
export * from './accepted-task.js';
export * from './result-record.js';
export * from './triggers.js';
export { DEFAULT_HTTP_METHODS, HTTP_METHODS, parseTriggerSpec } from './trigger-configs.js';
export * from './trigger-schedule.js';
export * from './trigger-events.js';
export * from './instance-list.js';
export * from './mns-queue.js';
export * from './bulk-operations.js';
export * from './fc2.js';
export * from './destination-arn.js';
export * from './destination-filter.js';
export * from './versions.js';
export * from './concurrency.js';
export * from './in-flight.js';
