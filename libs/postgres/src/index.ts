export { connectPostgres, redactPostgresUrl } from './connect.js';
export { ensureTaskTable, dropTaskSchema, startTaskRetention, taskTable } from './task-table.js';
export { createPgTaskStore } from './task-store.js';
