import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  ALL_TRIGGER_TYPES,
  functionArn,
  type Names,
  type TriggerRecord,
  type TriggerSpec,
  type TriggerView,
} from '@asyncfn/contracts';
import { invalid, parse, parseTriggerSpec } from './trigger-configs.js';

/*
 * Triggers (FC's CreateTrigger / UpdateTrigger / Trigger): validation per type, the stored record
 * and its API view, and the task ids trigger runners derive so that a redelivered message or a
 * firing seen by several dispatcher replicas becomes one task (the intake answers the rest with
 * AsyncTaskAlreadyExists). Pure: time and ids come in.
 */

export const TRIGGER_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;
/** Path prefix of HTTP trigger URLs on the ingress: `/http/<tenant>/<function>/<trigger>/<path...>`. */
export const HTTP_TRIGGER_PREFIX = '/http/';
/** Only the latest code exists (no versions or aliases). */
export const LATEST = 'LATEST';

export function parseTriggerName(name: string): string {
  if (!TRIGGER_NAME.test(name)) {
    invalid(`triggerName: '${name.slice(0, 140)}' is not a valid trigger name`);
  }
  return name;
}

const common = {
  description: z.string().max(256).optional(),
  qualifier: z.string().max(128).optional(),
  invocationRole: z.string().max(512).optional(),
  triggerConfig: z.union([z.string().max(64 * 1024), z.record(z.string(), z.unknown())]).optional(),
};
const createSchema = z
  .object({
    triggerName: z
      .string()
      .regex(TRIGGER_NAME, 'letters, digits, _ and -, 1-128, not starting with a digit or -'),
    triggerType: z.string({ message: `required: one of ${ALL_TRIGGER_TYPES.join(', ')}` }),
    sourceArn: z.string().max(512).optional(),
    ...common,
  })
  .strip();
const updateSchema = z.object(common).strip();

function checkQualifier(qualifier: string | undefined): void {
  if (qualifier !== undefined && qualifier !== '' && qualifier !== LATEST) {
    invalid(`qualifier: only ${LATEST} exists (no versions or aliases)`);
  }
}

export interface CreateTriggerInput {
  triggerName: string;
  spec: TriggerSpec;
  description?: string;
  sourceArn?: string;
  invocationRole?: string;
}

export interface UpdateTriggerInput {
  spec?: TriggerSpec;
  description?: string;
  invocationRole?: string;
}

export function parseCreateTrigger(body: unknown, names: Names): CreateTriggerInput {
  const input = parse(createSchema, body, '');
  checkQualifier(input.qualifier);
  return {
    triggerName: input.triggerName,
    spec: parseTriggerSpec(input.triggerType, input.triggerConfig, names),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.sourceArn !== undefined ? { sourceArn: input.sourceArn } : {}),
    ...(input.invocationRole !== undefined ? { invocationRole: input.invocationRole } : {}),
  };
}

/** UpdateTrigger: a new triggerConfig replaces the old one; the type cannot change. */
export function parseUpdateTrigger(body: unknown, current: TriggerRecord, names: Names): UpdateTriggerInput {
  const input = parse(updateSchema, body, '');
  checkQualifier(input.qualifier);
  return {
    ...(input.triggerConfig !== undefined
      ? { spec: parseTriggerSpec(current.triggerType, input.triggerConfig, names) }
      : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.invocationRole !== undefined ? { invocationRole: input.invocationRole } : {}),
  };
}

export function buildTriggerRecord(
  tenant: string,
  functionName: string,
  input: CreateTriggerInput,
  context: { now: Date; triggerId: string },
): TriggerRecord {
  const iso = context.now.toISOString();
  return {
    tenant,
    functionName,
    triggerName: input.triggerName,
    triggerId: context.triggerId,
    description: input.description ?? '',
    qualifier: LATEST,
    ...(input.sourceArn ? { sourceArn: input.sourceArn } : {}),
    ...(input.invocationRole ? { invocationRole: input.invocationRole } : {}),
    createdTime: iso,
    lastModifiedTime: iso,
    ...input.spec,
  };
}

export function applyTriggerUpdate(
  current: TriggerRecord,
  input: UpdateTriggerInput,
  now: Date,
): TriggerRecord {
  return {
    ...current,
    ...(input.spec ?? {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.invocationRole !== undefined ? { invocationRole: input.invocationRole } : {}),
    lastModifiedTime: now.toISOString(),
  } as TriggerRecord;
}

export function httpTriggerPath(tenant: string, functionName: string, triggerName: string): string {
  return `${HTTP_TRIGGER_PREFIX}${tenant}/${functionName}/${triggerName}`;
}

/** A timer with enable=false is Disabled; every other trigger is Enabled. */
export function triggerStatus(record: TriggerRecord): 'Enabled' | 'Disabled' {
  return record.triggerType === 'timer' && !record.triggerConfig.enable ? 'Disabled' : 'Enabled';
}

/** FC's Trigger. `httpBaseUrl`: where the ingress is reached, for an HTTP trigger's URLs. */
export function triggerView(record: TriggerRecord, options: { httpBaseUrl: string }): TriggerView {
  const view: TriggerView = {
    triggerName: record.triggerName,
    triggerId: record.triggerId,
    triggerType: record.triggerType,
    triggerConfig: JSON.stringify(record.triggerConfig),
    description: record.description,
    qualifier: record.qualifier,
    targetArn: functionArn(record.tenant, record.functionName),
    status: triggerStatus(record),
    createdTime: record.createdTime,
    lastModifiedTime: record.lastModifiedTime,
  };
  if (record.sourceArn !== undefined) view.sourceArn = record.sourceArn;
  if (record.invocationRole !== undefined) view.invocationRole = record.invocationRole;
  if (record.triggerType === 'http') {
    const url =
      options.httpBaseUrl.replace(/\/+$/, '') +
      httpTriggerPath(record.tenant, record.functionName, record.triggerName);
    view.httpTrigger = { urlInternet: url, urlIntranet: url };
  }
  return view;
}

const digest = (...parts: string[]) => createHash('sha256').update(parts.join('\n')).digest('hex');
const short = (...parts: string[]) => digest(...parts).slice(0, 16);

/**
 * Task ids of triggered invocations (FC's task id alphabet, at most 128 characters). Each is a
 * function of what identifies the message or firing, so resubmitting it is a duplicate.
 */
export const triggerTaskIds = {
  /** A Kafka record: the trigger, its topic, the record's partition and offset. */
  kafka: (triggerId: string, topic: string, partition: number, offset: string) =>
    `k-${short(triggerId, topic)}-${partition}-${offset}`,
  /** A JetStream message: the trigger, the stream, the stream sequence. */
  jetStream: (triggerId: string, stream: string, sequence: number) =>
    `j-${short(triggerId, stream)}-${sequence}`,
  /**
   * A core NATS message: its Nats-Msg-Id header when the publisher set one (a republished message
   * is then a duplicate), otherwise `randomId` (core NATS does not redeliver).
   */
  nats: (triggerId: string, msgId: string | undefined, randomId: string) =>
    `n-${short(triggerId)}-${msgId ? digest(msgId).slice(0, 32) : randomId}`,
  /** A timer firing: the trigger and the scheduled second. */
  timer: (triggerId: string, scheduledAt: number) =>
    `t-${short(triggerId)}-${Math.floor(scheduledAt / 1000)}`,
};
