import { Type, type Static } from 'typebox';
import { BULK_ACTIONS, BulkOperationState, type BulkAction } from '../bulk-operations.js';
import { ALL_TASK_STATUSES, type TaskStatus } from '../task-status.js';

const action = () => Type.Unsafe<BulkAction>({ type: 'string', enum: [...BULK_ACTIONS] });

/** What the operation applies to; absent fields do not narrow it (no functionName: every function). */
export const BulkFilterSchema = Type.Object({
  functionName: Type.Optional(
    Type.String({ description: 'one function; absent: every function of the account' }),
  ),
  status: Type.Optional(
    Type.Unsafe<TaskStatus>({
      type: 'string',
      enum: [...ALL_TASK_STATUSES],
      description:
        'Stop: an unfinished state (default: all of them); Rerun: a finished one (default: all of them). Processed = Dequeued.',
    }),
  ),
  prefix: Type.Optional(Type.String({ description: 'task id prefix' })),
  startedTimeBegin: Type.Optional(Type.Integer({ description: 'accepted at or after, epoch ms' })),
  startedTimeEnd: Type.Optional(Type.Integer({ description: 'accepted at or before, epoch ms' })),
});

export const BulkOperationRequestSchema = Type.Object(
  {
    action: action(),
    ...BulkFilterSchema.properties,
    dryRun: Type.Optional(Type.Boolean({ description: 'only count the matching tasks (state DryRun)' })),
  },
  { $id: 'BulkOperationRequest', additionalProperties: false },
);

type State = (typeof BulkOperationState)[keyof typeof BulkOperationState];

/** A bulk operation and its progress, as the API answers it. */
export const BulkOperationSchema = Type.Object(
  {
    operationId: Type.String(),
    action: action(),
    filter: BulkFilterSchema,
    state: Type.Unsafe<State>({ type: 'string', enum: Object.values(BulkOperationState) }),
    matched: Type.Integer({
      description:
        'tasks the filter matched when the operation started; once Completed, the tasks it acted on (succeeded + failed): a task that left the filter before its turn (e.g. finished on its own) is not counted',
    }),
    succeeded: Type.Integer(),
    failed: Type.Integer({ description: 'tasks it could not act on; lastError tells the last one' }),
    createdTime: Type.Integer(),
    updatedTime: Type.Integer(),
    finishedTime: Type.Optional(Type.Integer()),
    lastError: Type.Optional(
      Type.Object({ taskId: Type.Optional(Type.String()), code: Type.String(), message: Type.String() }),
    ),
  },
  { $id: 'BulkOperation' },
);

export type BulkFilter = Static<typeof BulkFilterSchema>;
export type BulkOperationView = Static<typeof BulkOperationSchema>;
