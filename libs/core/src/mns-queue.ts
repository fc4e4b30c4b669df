import { ApiError } from '@asyncfn/contracts';

/*
 * FC's MNS queue destinations, `acs:mns:<region>:<account>:/queues/<queue>/messages`, delivered to
 * a local queue of the same name (the function's tenant's). Pure: the region and account are not
 * checked (placeholders such as `${vars.region}` or `{accountid}` are accepted and ignored), only
 * the queue name, which must be a valid MNS queue name.
 */

/** MNS's rule: a letter first, then letters, digits and -, at most 120 characters. */
export const MNS_QUEUE_NAME = /^[A-Za-z][A-Za-z0-9-]{0,119}$/;

/** The shape the API accepts in destinationConfig (the queue name checked by MNS_QUEUE_NAME). */
export const MNS_QUEUE_ARN = /^acs:mns:[^:\s]*:[^:\s]*:\/queues\/[A-Za-z][A-Za-z0-9-]{0,119}\/messages$/;

export type MnsArnParse = { ok: true; queueName: string } | { ok: false; reason: string };

/** Parses an `acs:mns:` ARN: the queue it names, or why it names none. */
export function parseMnsQueueArn(arn: string): MnsArnParse {
  const parts = /^acs:mns:([^:\s]*):([^:\s]*):(\/.*)$/.exec(arn);
  if (!parts) return { ok: false, reason: 'expected acs:mns:<region>:<account>:/queues/<queue>/messages' };
  const resource = parts[3]!;
  const queue = /^\/queues\/([^/]*)\/messages$/.exec(resource);
  if (!queue) {
    return /^\/topics\//.test(resource)
      ? { ok: false, reason: 'MNS topics are not supported; use a queue (/queues/<queue>/messages)' }
      : { ok: false, reason: `resource '${resource.slice(0, 200)}' is not /queues/<queue>/messages` };
  }
  const queueName = queue[1]!;
  if (!MNS_QUEUE_NAME.test(queueName)) {
    return {
      ok: false,
      reason: `queue name '${queueName.slice(0, 130)}': a letter first, then letters, digits and -, at most 120`,
    };
  }
  return { ok: true, queueName };
}

/** Most messages one receive returns (MNS's batch limit). */
export const MAX_QUEUE_BATCH = 16;
/** Longest long poll of a receive, seconds (MNS's limit on waitSeconds). */
export const MAX_QUEUE_WAIT_SECONDS = 30;

export function parseQueueName(name: string): string {
  if (!MNS_QUEUE_NAME.test(name)) {
    throw new ApiError(
      'InvalidArgument',
      `queueName: '${name.slice(0, 130)}' is not a valid queue name (a letter first, then letters, digits and -, at most 120)`,
    );
  }
  return name;
}

export interface ReceiveQuery {
  numOfMessages: number;
  waitSeconds: number;
}

/** `numOfMessages` 1-16 (default 1), `waitSeconds` 0-30 (default 0), integers. */
export function parseReceiveQuery(query: Record<string, unknown>): ReceiveQuery {
  return {
    numOfMessages: integerParam(query, 'numOfMessages', 1, 1, MAX_QUEUE_BATCH),
    waitSeconds: integerParam(query, 'waitSeconds', 0, 0, MAX_QUEUE_WAIT_SECONDS),
  };
}

function integerParam(
  query: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
  max: number,
) {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ApiError('InvalidArgument', `${name}: an integer from ${min} to ${max}`);
  }
  return n;
}
