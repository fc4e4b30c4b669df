import { z } from 'zod';
import {
  ALL_TRIGGER_TYPES,
  ApiError,
  HttpTriggerAuthType,
  TriggerType,
  type Names,
  type TriggerSpec,
} from '@asyncfn/contracts';
import { parseTimerSchedule } from './trigger-schedule.js';

/*
 * A trigger's config per type (http, kafka, nats, timer): FC's triggerConfig (JSON text or an
 * object) checked and turned into the stored spec. Pure; errors are InvalidArgument naming the field.
 */

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS'] as const;
/** Without `methods`, an HTTP trigger answers these (FC requires the field; asyncfn defaults it). */
export const DEFAULT_HTTP_METHODS = ['GET', 'POST'] as const;

const KAFKA_TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
const KAFKA_GROUP = /^[A-Za-z0-9._-]{1,255}$/;
const STREAM_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const SUBJECT_TOKEN = /^[^\s.*>]+$/;
const MAX_TIMER_PAYLOAD = 8 * 1024;

/** For this lib's trigger parsers (not exported by the package). */
export function invalid(message: string): never {
  throw new ApiError('InvalidArgument', message);
}

export function parse<T extends z.ZodType>(schema: T, input: unknown, prefix: string): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.') || 'body';
    invalid(`${path}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/**
 * What a tenant's NATS trigger must not read: the platform's own subjects and streams (tasks,
 * events, sync requests, KV buckets) and the server's (`$JS`, `$KV`, `_INBOX`). A leading wildcard
 * would match them too.
 */
function checkSubject(subject: string, names: Names): void {
  const tokens = subject.split('.');
  tokens.forEach((token, i) => {
    const wildcard = token === '*' || (token === '>' && i === tokens.length - 1);
    if (!wildcard && !SUBJECT_TOKEN.test(token)) {
      invalid(`triggerConfig.subject: '${subject.slice(0, 256)}' is not a valid NATS subject`);
    }
  });
  const first = tokens[0]!;
  if (
    first === '*' ||
    first === '>' ||
    first === names.namespace ||
    first.startsWith('$') ||
    first === '_INBOX'
  ) {
    invalid(`triggerConfig.subject: '${subject.slice(0, 256)}' is reserved (or starts with a wildcard)`);
  }
}

function checkStream(stream: string, names: Names): void {
  const reserved = [`${names.namespace.toUpperCase()}_`, 'KV_', 'OBJ_'];
  if (reserved.some((prefix) => stream.startsWith(prefix))) {
    invalid(`triggerConfig.stream: '${stream}' is reserved`);
  }
}

const httpConfig = z
  .object({
    authType: z.enum([HttpTriggerAuthType.Anonymous, HttpTriggerAuthType.Function]).optional(),
    methods: z.array(z.string()).min(1).max(HTTP_METHODS.length).optional(),
    asyncInvocation: z.boolean().optional(),
  })
  .strip();
const kafkaConfig = z
  .object({
    topic: z
      .string()
      .regex(KAFKA_TOPIC, 'letters, digits, ., _ and -, 1-249')
      .refine((t) => !t.startsWith('__'), "topics starting with '__' are Kafka's own"),
    groupId: z.string().regex(KAFKA_GROUP, 'letters, digits, ., _ and -, 1-255').optional(),
    fromBeginning: z.boolean().optional(),
  })
  .strip();
const natsConfig = z
  .object({
    subject: z.string().min(1).max(256).optional(),
    stream: z.string().regex(STREAM_NAME, 'letters, digits, _ and -').optional(),
    fromBeginning: z.boolean().optional(),
  })
  .strip();
const timerConfig = z
  .object({
    cronExpression: z.string().min(1).max(256),
    payload: z.string().max(MAX_TIMER_PAYLOAD).optional(),
    enable: z.boolean().optional(),
  })
  .strip();

/** FC sends triggerConfig as JSON text; an object is accepted too. */
function configObject(raw: unknown): unknown {
  if (raw === undefined || raw === null || raw === '') return {};
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return invalid('triggerConfig: not valid JSON');
  }
}

/** Validates a trigger's config for its type and fills in defaults. */
export function parseTriggerSpec(type: string, rawConfig: unknown, names: Names): TriggerSpec {
  const raw = configObject(rawConfig);
  switch (type) {
    case TriggerType.Http: {
      const c = parse(httpConfig, raw, 'triggerConfig');
      const methods = [...new Set((c.methods ?? DEFAULT_HTTP_METHODS).map((m) => m.toUpperCase()))];
      const unknown = methods.find((m) => !(HTTP_METHODS as readonly string[]).includes(m));
      if (unknown)
        invalid(`triggerConfig.methods: '${unknown.slice(0, 20)}' is not one of ${HTTP_METHODS.join(', ')}`);
      return {
        triggerType: 'http',
        triggerConfig: {
          authType: c.authType ?? HttpTriggerAuthType.Function,
          methods,
          ...(c.asyncInvocation !== undefined ? { asyncInvocation: c.asyncInvocation } : {}),
        },
      };
    }
    case TriggerType.Kafka: {
      const c = parse(kafkaConfig, raw, 'triggerConfig');
      return {
        triggerType: 'kafka',
        triggerConfig: {
          topic: c.topic,
          ...(c.groupId ? { groupId: c.groupId } : {}),
          fromBeginning: c.fromBeginning ?? false,
        },
      };
    }
    case TriggerType.Nats: {
      const c = parse(natsConfig, raw, 'triggerConfig');
      if (!c.subject && !c.stream) invalid('triggerConfig: give subject (core NATS) or stream (JetStream)');
      if (c.subject) checkSubject(c.subject, names);
      if (c.stream) checkStream(c.stream, names);
      if (!c.stream && c.fromBeginning !== undefined)
        invalid('triggerConfig.fromBeginning: only with stream');
      return {
        triggerType: 'nats',
        triggerConfig: {
          ...(c.subject ? { subject: c.subject } : {}),
          ...(c.stream ? { stream: c.stream, fromBeginning: c.fromBeginning ?? false } : {}),
        },
      };
    }
    case TriggerType.Timer: {
      const c = parse(timerConfig, raw, 'triggerConfig');
      parseTimerSchedule(c.cronExpression);
      return {
        triggerType: 'timer',
        triggerConfig: {
          cronExpression: c.cronExpression.trim(),
          ...(c.payload !== undefined ? { payload: c.payload } : {}),
          enable: c.enable ?? true,
        },
      };
    }
    default:
      return invalid(
        `triggerType: '${String(type).slice(0, 40)}' is not one of ${ALL_TRIGGER_TYPES.join(', ')}`,
      );
  }
}
