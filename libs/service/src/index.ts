export { runService, type ServiceContext, type StartedService } from './run-service.js';
export { startHealthServer, type HealthState } from './health-server.js';
export { openTaskStore, type OpenedTaskStore } from './task-store.js';
