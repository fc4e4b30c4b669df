export * from './task-state.js';
export * from './projection.js';
export * from './errors.js';
export * from './validation.js';
export * from './views.js';
export * from './dispatch.js';
export * from './attempt.js';
