import { FUNCTION_NAME, parseFunctionArn, parseMnsQueueArn } from '@asyncfn/core';
import { invalidDestination } from './errors.js';

/** A destination URI of destinationConfig, parsed (validation accepted its scheme already). */
export type DestinationTarget =
  | { scheme: 'nats'; subject: string }
  | { scheme: 'kafka'; topic: string }
  | { scheme: 'http'; url: URL }
  | { scheme: 'function'; functionName: string; qualifier?: string }
  /** FC's MNS queue ARN: the function's tenant's local queue of that name (region, account ignored). */
  | { scheme: 'mns'; queueName: string };

const SUBJECT_TOKEN = /^[A-Za-z0-9_-]+$/;
const KAFKA_TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

/**
 * Parses a destination; a destination that can never be delivered to throws a non-retryable
 * DeliveryError. NATS subjects of the platform itself (`<namespace>.…`) and the server's (`$…`,
 * `_INBOX.…`) are refused: a record published there could pose as a task event or an API call.
 */
export function parseDestinationUri(
  uri: string,
  reservedSubjectPrefixes: readonly string[],
): DestinationTarget {
  const colon = uri.indexOf(':');
  const scheme = colon > 0 ? uri.slice(0, colon) : '';
  const rest = uri.slice(colon + 1);
  switch (scheme) {
    case 'nats': {
      const tokens = rest.split('.');
      if (!tokens.every((t) => SUBJECT_TOKEN.test(t))) {
        throw invalidDestination(`nats:${rest}: a destination subject has no wildcards or empty tokens`);
      }
      const lower = rest.toLowerCase();
      if (reservedSubjectPrefixes.some((p) => lower === p.replace(/\.$/, '') || lower.startsWith(p))) {
        throw invalidDestination(
          `nats:${rest}: subjects under ${reservedSubjectPrefixes.join(', ')} are reserved`,
        );
      }
      return { scheme: 'nats', subject: rest };
    }
    case 'kafka':
      if (!KAFKA_TOPIC.test(rest) || rest === '.' || rest === '..') {
        throw invalidDestination(`kafka:${rest}: not a valid Kafka topic name`);
      }
      return { scheme: 'kafka', topic: rest };
    case 'http':
    case 'https': {
      let url: URL;
      try {
        url = new URL(uri);
      } catch {
        throw invalidDestination(`${uri.slice(0, 200)}: not a valid URL`);
      }
      return { scheme: 'http', url };
    }
    case 'function':
      if (!FUNCTION_NAME.test(rest)) throw invalidDestination(`function:${rest}: not a valid function name`);
      return { scheme: 'function', functionName: rest };
    case 'acs': {
      if (uri.startsWith('acs:mns:')) {
        const mns = parseMnsQueueArn(uri);
        if (!mns.ok) throw invalidDestination(`${uri.slice(0, 200)}: ${mns.reason}`);
        return { scheme: 'mns', queueName: mns.queueName };
      }
      // FC's own spelling of a function destination (the account was checked against the tenant
      // when the config was put).
      const arn = uri.startsWith('acs:fc:') ? parseFunctionArn(uri) : undefined;
      if (!arn) throw invalidDestination(`${uri.slice(0, 200)}: unknown destination scheme`);
      return {
        scheme: 'function',
        functionName: arn.functionName,
        ...(arn.qualifier ? { qualifier: arn.qualifier } : {}),
      };
    }
    default:
      throw invalidDestination(`${uri.slice(0, 200)}: unknown destination scheme`);
  }
}

/** Where the record goes, as OTel's messaging.destination.name; URLs without query or credentials. */
export function destinationName(target: DestinationTarget): string {
  switch (target.scheme) {
    case 'nats':
      return target.subject;
    case 'kafka':
      return target.topic;
    case 'http':
      return safeUrl(target.url);
    case 'function':
      return target.functionName;
    case 'mns':
      return target.queueName;
    default: {
      const unknown: never = target;
      return String(unknown);
    }
  }
}

/** A URL fit for logs and dead letters: no user info, no query (tokens often travel there). */
export function safeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** A destination URI fit for logs: an HTTP URL loses its query and credentials. */
export function loggableDestination(uri: string): string {
  if (!/^https?:/.test(uri)) return uri.slice(0, 200);
  try {
    return safeUrl(new URL(uri));
  } catch {
    return '(invalid URL)';
  }
}
