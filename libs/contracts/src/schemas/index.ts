import { AsyncConfigSchema } from './async-config.js';
import { BulkOperationRequestSchema, BulkOperationSchema } from './bulk-operations.js';
import { Fc2ErrorSchema, FcErrorSchema } from './error.js';
import { FunctionSchema, ListFunctionsOutputSchema } from './functions.js';
import { AsyncTaskEventSchema, AsyncTaskSchema, ListAsyncTasksOutputSchema } from './tasks.js';
import { TriggerSchema } from './triggers.js';

export * from './async-config.js';
export * from './bulk-operations.js';
export * from './error.js';
export * from './functions.js';
export * from './ref.js';
export * from './tasks.js';
export * from './triggers.js';

/** Every shared schema (each has an $id): the OpenAPI document's components.schemas. */
export const API_SCHEMAS = [
  FcErrorSchema,
  Fc2ErrorSchema,
  FunctionSchema,
  ListFunctionsOutputSchema,
  AsyncConfigSchema,
  AsyncTaskEventSchema,
  AsyncTaskSchema,
  ListAsyncTasksOutputSchema,
  TriggerSchema,
  BulkOperationRequestSchema,
  BulkOperationSchema,
] as const;
