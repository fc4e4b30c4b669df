import { AuthError } from './errors.js';
import { formatAcs3Date } from './acs3-canonical.js';

/**
 * What both signature schemes (ACS3 and FC 2.0) share once a request's signature fields are read:
 * the AccessKey it names and the check of its own time against the server's.
 */

export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;
/** A nonce must be remembered while a request carrying it could still pass the date check. */
export const RECOMMENDED_NONCE_TTL_MS = 2 * DEFAULT_MAX_SKEW_MS;

export interface AccessKeyRecord {
  secret: string;
  tenant: string;
}

export type AccessKeyLookup = (accessKeyId: string) => AccessKeyRecord | undefined;

/** Request headers with lower-cased names, as node:http gives them. */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** A header's value (repeated ones joined by commas, as Node joins them). */
export function singleHeader(headers: RequestHeaders, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * The AccessKey a request names, once the request's own time is within `maxSkewMs` of the
 * server's (both signature schemes: ACS3's x-acs-date, FC 2.0's Date).
 */
export function signingKey(
  lookup: AccessKeyLookup,
  accessKeyId: string,
  time: { header: string; signedAt: Date; now: Date; maxSkewMs: number; show?: (d: Date) => string },
): AccessKeyRecord {
  const key = lookup(accessKeyId);
  if (!key) throw new AuthError('InvalidAccessKeyID', `invalid access key ID '${accessKeyId.slice(0, 128)}'`);
  const { header, signedAt, now, maxSkewMs, show = formatAcs3Date } = time;
  if (Math.abs(now.getTime() - signedAt.getTime()) > maxSkewMs) {
    throw new AuthError(
      'RequestTimeTooSkewed',
      `The difference between ${header} (${show(signedAt)}) and the server time (${show(now)}) exceeds ${Math.round(maxSkewMs / 1000)} seconds.`,
    );
  }
  return key;
}
