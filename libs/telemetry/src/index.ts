export { startTelemetry, type Telemetry } from './sdk.js';
export { createLogger, type Logger } from './logger.js';
