import type { TSchema } from 'typebox';
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

const shared: TSchema[] = [
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
];

/** Every shared schema by its $id: the OpenAPI document's components.schemas. */
export const API_SCHEMAS: Readonly<Record<string, TSchema>> = Object.fromEntries(
  shared.map((schema) => [(schema as { $id: string }).$id, schema]),
);
