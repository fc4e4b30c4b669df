export * from './task-status.js';
export * from './events.js';
export * from './names.js';
export * from './messages.js';
export * from './records.js';
export * from './nats-permissions.js';
