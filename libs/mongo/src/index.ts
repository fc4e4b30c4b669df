export { connectMongo, isDuplicateKeyError, redactUrl } from './connect.js';
export { ensureIndexes, startReaper, type IndexReport } from './indexes.js';
export { createFunctionStore, type FunctionStore } from './function-store.js';
export { createTaskStore } from './task-store.js';
export type { TaskStore, TaskQuery, ProjectionWrite, ProjectionBaseDoc } from '@asyncfn/contracts';
export { createTriggerStore, type TriggerStore } from './trigger-store.js';
export {
  createBulkOperationStore,
  bulkOperationDocumentId,
  type BulkOperationStore,
  type BulkProgress,
} from './bulk-operation-store.js';
export { createFc2ServiceStore, type Fc2ServiceStore } from './fc2-service-store.js';
