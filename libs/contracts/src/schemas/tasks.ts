import { Type, type Static } from 'typebox';
import { ref } from './ref.js';
import { ALL_TASK_STATUSES, type TaskStatus } from '../task-status.js';

const status = () => Type.Unsafe<TaskStatus>({ type: 'string', enum: [...ALL_TASK_STATUSES] });

/** FC's AsyncTaskEvent. */
export const AsyncTaskEventSchema = Type.Object(
  {
    eventId: Type.Integer(),
    status: status(),
    timestamp: Type.Integer(),
    eventDetail: Type.String(),
    attempt: Type.Optional(
      Type.Integer({ description: 'extension: the attempt the event belongs to (0 before the first)' }),
    ),
    source: Type.Optional(Type.String({ description: 'extension: the service that emitted it' })),
  },
  { $id: 'AsyncTaskEvent' },
);

export const TaskResourcesSchema = Type.Object(
  {
    durationMs: Type.Integer(),
    peakMemoryMB: Type.Optional(Type.Integer()),
    cpuTimeMs: Type.Optional(Type.Integer()),
  },
  {
    description:
      'extension: what the last attempt that ended cost. durationMs: from the attempt start on the executor to its outcome (cold start included); peakMemoryMB: RSS high-water mark (VmHWM) of the instance process over the attempt; cpuTimeMs: user+system CPU time of the instance process over the attempt (10 ms steps). With instanceConcurrency > 1 memory and CPU include invocations that ran beside it on the same instance. Linux only for memory and CPU.',
  },
);

const extension = (description: string) => ({ description: `extension: ${description}` });

/** FC's AsyncTask, with asyncfn's extensions. */
export const AsyncTaskSchema = Type.Object(
  {
    taskId: Type.String(),
    status: status(),
    requestId: Type.String(),
    functionArn: Type.String(),
    qualifier: Type.String(),
    startedTime: Type.Integer({ description: 'accepted at, epoch ms' }),
    endTime: Type.Optional(Type.Integer()),
    durationMs: Type.Optional(Type.Integer({ description: 'endTime - startedTime' })),
    alreadyRetriedTimes: Type.Integer(),
    returnPayload: Type.Optional(Type.String()),
    taskErrorMessage: Type.Optional(Type.String()),
    taskPayload: Type.Optional(Type.String()),
    instanceId: Type.Optional(Type.String()),
    destinationStatus: Type.Optional(Type.String()),
    events: Type.Optional(Type.Array(ref(AsyncTaskEventSchema))),
    invokeCount: Type.Integer(extension('attempts started, crash redeliveries included')),
    resolvedVersion: Type.Optional(
      Type.String(extension('the version the qualifier resolved to (LATEST, or a version id)')),
    ),
    enqueuedReason: Type.Optional(Type.String(extension('while Enqueued: why it waits'))),
    queuePosition: Type.Optional(
      Type.Integer(extension("while Enqueued: about how many of the function's tasks are ahead, plus one")),
    ),
    nextRetryTime: Type.Optional(
      Type.Integer(extension('while Retrying: when the next attempt is due (epoch ms)')),
    ),
    dueTime: Type.Optional(Type.Integer(extension('when a delayed task becomes due'))),
    rerunOf: Type.Optional(Type.String(extension('the task this one re-runs'))),
    resources: Type.Optional(TaskResourcesSchema),
  },
  { $id: 'AsyncTask' },
);

export const ListAsyncTasksOutputSchema = Type.Object(
  {
    tasks: Type.Array(ref(AsyncTaskSchema)),
    nextToken: Type.Optional(Type.String()),
  },
  { $id: 'ListAsyncTaskOutput' },
);

export type AsyncTaskEventView = Static<typeof AsyncTaskEventSchema>;
export type AsyncTaskView = Static<typeof AsyncTaskSchema>;
