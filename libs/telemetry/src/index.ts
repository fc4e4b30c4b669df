export { startTelemetry, activeTelemetry, DEFAULT_OTLP_ENDPOINT, type Telemetry } from './sdk.js';
export { createLogger, taskLogger, type Logger } from './logger.js';
export { metrics, MetricName, type QueueDepthSample } from './metrics.js';
export {
  createLabelLimiter,
  OVERFLOW_LABEL,
  type FunctionLabels,
  type LabelLimiter,
} from './label-limiter.js';
export { renderMetrics, metricsRoute, METRICS_CONTENT_TYPE } from './prometheus.js';
export {
  TaskAttr,
  SemAttr,
  taskAttributes,
  annotateTask,
  annotateStatus,
  type TaskRef,
} from './task-attributes.js';
export { UNTRACED_PATHS, nameRequestSpan } from './instrumentations.js';
export { droppedUnder } from './sampling.js';
export { withSpan, type SpanOptions } from './spans.js';
