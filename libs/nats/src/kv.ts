/*
 * The KV buckets' typed uses, one file each under kv/, all on one generic store (kv/json-store.ts).
 * This file keeps the older import path working.
 */
export { jsonStore, type JsonStore } from './kv/json-store.js';
export { watchDirectory, type WatchedDirectory } from './kv/watched-directory.js';
export { watchFunctions, putFunction, deleteFunction, type FunctionDirectory } from './kv/functions.js';
export { createStopRequests, mirrorStopRequests, type StopRequest, type StopRequests } from './kv/stops.js';
export { createNonceStore } from './kv/nonces.js';
export { createTaskLogs, type TaskLogs } from './kv/task-logs.js';
export { createInstanceDirectory, type InstanceDirectory } from './kv/instances.js';
