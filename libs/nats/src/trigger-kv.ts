// Moved to kv/triggers.ts (every bucket's use is under kv/); this keeps the older import path working.
export { watchTriggers, putTrigger, deleteTrigger, type TriggerDirectory } from './kv/triggers.js';
