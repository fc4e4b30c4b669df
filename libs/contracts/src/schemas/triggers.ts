import { Type, type Static } from 'typebox';
import { ALL_TRIGGER_TYPES, type TriggerType } from '../trigger-records.js';

/** FC's Trigger, as the API answers it. */
export const TriggerSchema = Type.Object(
  {
    triggerName: Type.String(),
    triggerId: Type.String(),
    triggerType: Type.Unsafe<TriggerType>({ type: 'string', enum: [...ALL_TRIGGER_TYPES] }),
    triggerConfig: Type.String({ description: 'JSON text, as in FC’s API' }),
    description: Type.String(),
    qualifier: Type.String(),
    sourceArn: Type.Optional(Type.String()),
    invocationRole: Type.Optional(Type.String()),
    targetArn: Type.String(),
    status: Type.String({ description: 'Enabled, or Disabled (a timer with enable=false)' }),
    createdTime: Type.String(),
    lastModifiedTime: Type.String(),
    httpTrigger: Type.Optional(Type.Object({ urlInternet: Type.String(), urlIntranet: Type.String() })),
  },
  { $id: 'Trigger' },
);

export type TriggerView = Static<typeof TriggerSchema>;
