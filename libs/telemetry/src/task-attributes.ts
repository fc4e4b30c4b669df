import { trace, type Attributes, type Span } from '@opentelemetry/api';

/**
 * Span attributes every hop of a task carries, so one Jaeger tag search (`asyncfn.task.id`) finds
 * the task's trace from any service, and a span says which attempt it belongs to and which state
 * the task reached there.
 */
export const TaskAttr = {
  taskId: 'asyncfn.task.id',
  function: 'asyncfn.function',
  tenant: 'asyncfn.tenant',
  attempt: 'asyncfn.attempt',
  status: 'asyncfn.task.status',
} as const;

/**
 * Messaging and FaaS semantic-convention keys we use. They are still "incubating" in
 * @opentelemetry/semantic-conventions, whose advice is to copy them rather than import them.
 */
export const SemAttr = {
  messagingSystem: 'messaging.system',
  messagingDestination: 'messaging.destination.name',
  messagingDestinationTemplate: 'messaging.destination.template',
  messagingOperationType: 'messaging.operation.type',
  messagingOperationName: 'messaging.operation.name',
  messagingMessageId: 'messaging.message.id',
  messagingBodySize: 'messaging.message.body.size',
  messagingConsumerGroup: 'messaging.consumer.group.name',
  messagingBatchCount: 'messaging.batch.message_count',
  faasName: 'faas.name',
  faasInvokedName: 'faas.invoked_name',
  faasInvokedProvider: 'faas.invoked_provider',
  faasInvocationId: 'faas.invocation_id',
  faasTrigger: 'faas.trigger',
  faasColdstart: 'faas.coldstart',
  faasInstance: 'faas.instance',
} as const;

export interface TaskRef {
  taskId: string;
  functionName: string;
  tenant: string;
  attempt?: number;
  /** The task state this span reached (or led to). */
  status?: string;
}

export function taskAttributes(task: TaskRef): Attributes {
  return {
    [TaskAttr.taskId]: task.taskId,
    [TaskAttr.function]: task.functionName,
    [TaskAttr.tenant]: task.tenant,
    ...(task.attempt !== undefined ? { [TaskAttr.attempt]: task.attempt } : {}),
    ...(task.status !== undefined ? { [TaskAttr.status]: task.status } : {}),
  };
}

/** Tags a span (by default the active one, e.g. the HTTP or consumer span) with its task. */
export function annotateTask(task: TaskRef, span: Span | undefined = trace.getActiveSpan()): void {
  span?.setAttributes(taskAttributes(task));
}

/** Records the state a span's work led the task to. */
export function annotateStatus(status: string, span: Span | undefined = trace.getActiveSpan()): void {
  span?.setAttribute(TaskAttr.status, status);
}
