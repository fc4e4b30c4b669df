/*
 * Triggers: FC's trigger API (`/functions/{name}/triggers`). MongoDB holds them (source of truth),
 * the `triggers` KV bucket mirrors them (key `<tenant>.<function>.<trigger>`) for the dispatcher's
 * trigger runners (kafka, nats, timer) and the ingress's HTTP trigger endpoint.
 */

export const TriggerType = { Http: 'http', Kafka: 'kafka', Nats: 'nats', Timer: 'timer' } as const;
export type TriggerType = (typeof TriggerType)[keyof typeof TriggerType];
export const ALL_TRIGGER_TYPES: readonly TriggerType[] = Object.values(TriggerType);

export const HttpTriggerAuthType = { Anonymous: 'anonymous', Function: 'function' } as const;
export type HttpTriggerAuthType = (typeof HttpTriggerAuthType)[keyof typeof HttpTriggerAuthType];

/** FC's HTTPTriggerConfig (authType, methods) plus `asyncInvocation` (extension). */
export interface HttpTriggerConfig {
  authType: HttpTriggerAuthType;
  methods: string[];
  /** Extension: every request is an async invocation (202). Otherwise `x-fc-invocation-type: Async` per request. */
  asyncInvocation?: boolean;
}

export interface KafkaTriggerConfig {
  topic: string;
  /** Consumer group; default one group per trigger, shared by all dispatcher replicas. */
  groupId?: string;
  /** A new group starts at the earliest offset instead of at the trigger's creation. */
  fromBeginning?: boolean;
}

/** Core NATS (`subject`) or a JetStream durable consumer (`stream`, optional `subject` filter). */
export interface NatsTriggerConfig {
  subject?: string;
  stream?: string;
  /** JetStream: a new consumer starts at the stream's first message instead of new ones. */
  fromBeginning?: boolean;
}

/** FC's TimerTriggerConfig. */
export interface TimerTriggerConfig {
  /** `@every <n>s|m|h...`, or a 6-field cron (seconds first), optionally `CRON_TZ=<zone> ` before it. UTC by default. */
  cronExpression: string;
  payload?: string;
  enable: boolean;
}

export type TriggerSpec =
  | { triggerType: 'http'; triggerConfig: HttpTriggerConfig }
  | { triggerType: 'kafka'; triggerConfig: KafkaTriggerConfig }
  | { triggerType: 'nats'; triggerConfig: NatsTriggerConfig }
  | { triggerType: 'timer'; triggerConfig: TimerTriggerConfig };

/** A trigger as stored (config parsed and normalised; the API shows it as a JSON string). */
export type TriggerRecord = {
  tenant: string;
  functionName: string;
  triggerName: string;
  triggerId: string;
  description: string;
  qualifier: string;
  sourceArn?: string;
  invocationRole?: string;
  createdTime: string;
  lastModifiedTime: string;
} & TriggerSpec;

export type { TriggerView } from './schemas/triggers.js';
