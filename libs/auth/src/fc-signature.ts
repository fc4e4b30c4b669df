/**
 * FC 2.0's own request signature (`Authorization: FC <accessKeyId>:<signature>`), as FC's 2.0
 * SDKs send it (`@alicloud/fc2`'s `Client.getSignature`, FC's "Signature authentication" page):
 *
 *   string to sign = METHOD \n Content-MD5 \n Content-Type \n Date \n
 *                    CanonicalizedFCHeaders CanonicalizedResource
 *   CanonicalizedFCHeaders = `name:value\n` for every x-fc-* header, names lower-case and sorted
 *   CanonicalizedResource  = the URL-decoded path without the query
 *   signature = base64(hmac-sha256(secret, string to sign))
 *
 * Content-MD5 (when sent) must match the body; the body is not otherwise covered, as in FC. The
 * scheme has no nonce, so unlike ACS3 a captured request can be replayed while its Date is within
 * the allowed skew (15 minutes). Pure: the clock comes in as an argument.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Acs3Credentials } from './acs3.js';
import { DEFAULT_MAX_SKEW_MS, signingKey, singleHeader, type AccessKeyLookup } from './signing-key.js';
import { AuthError } from './errors.js';

export const FC_SIGNATURE_SCHEME = 'FC';

export interface FcVerifyRequest {
  method: string;
  /** Request target exactly as received: path + '?' + raw query. */
  rawUrl: string;
  /** Headers with lower-cased names (node:http `req.headers`). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer | Uint8Array;
}

export interface FcVerifyResult {
  accessKeyId: string;
  tenant: string;
  signedAt: Date;
}

export interface FcSignRequest {
  method: string;
  /** The path as sent on the wire (percent-encoded or not: it is decoded before signing). */
  path: string;
  /** Lower-case names; `date` is required, `content-md5`, `content-type` and x-fc-* are signed. */
  headers: Record<string, string>;
}

/** True when an Authorization header uses FC 2.0's scheme. */
export function isFcAuthorization(value: string | undefined): boolean {
  return value !== undefined && /^FC\s/.test(value.trim());
}

function canonicalFcHeaders(headers: FcVerifyRequest['headers']): string {
  return Object.keys(headers)
    .filter((name) => name.toLowerCase().startsWith('x-fc-') && headers[name] !== undefined)
    .map((name) => name.toLowerCase())
    .sort()
    .map((name) => `${name}:${singleHeader(headers, name)}\n`)
    .join('');
}

function decodedPath(rawUrl: string): string {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** FC 2.0's string to sign for a request. */
export function fcStringToSign(method: string, rawUrl: string, headers: FcVerifyRequest['headers']): string {
  return [
    method.toUpperCase(),
    singleHeader(headers, 'content-md5') ?? '',
    singleHeader(headers, 'content-type') ?? '',
    singleHeader(headers, 'date') ?? '',
    `${canonicalFcHeaders(headers)}${decodedPath(rawUrl)}`,
  ].join('\n');
}

function signatureOf(secret: string, stringToSign: string): string {
  return createHmac('sha256', secret).update(stringToSign, 'utf8').digest('base64');
}

/** The Authorization value FC's 2.0 SDK would send for this request. */
export function signFcRequest(req: FcSignRequest, creds: Acs3Credentials): string {
  if (!req.headers.date) throw new TypeError('signFcRequest: headers.date is required');
  const signature = signatureOf(creds.accessKeySecret, fcStringToSign(req.method, req.path, req.headers));
  return `${FC_SIGNATURE_SCHEME} ${creds.accessKeyId}:${signature}`;
}

/**
 * Content-MD5 as FC's SDKs send it: base64 of the hex digest (`@alicloud/fc2`), or the standard
 * base64 of the raw digest (RFC 1864); either is accepted.
 */
function contentMd5Matches(declared: string, body: Buffer | Uint8Array): boolean {
  const digest = createHash('md5').update(body).digest();
  return (
    declared === Buffer.from(digest.toString('hex'), 'utf8').toString('base64') ||
    declared === digest.toString('base64')
  );
}

function parseAuthorization(value: string): { accessKeyId: string; signature: string } {
  const match = /^FC\s+([^:\s]+):(\S+)$/.exec(value.trim());
  if (!match) {
    throw new AuthError(
      'InvalidAuthorization',
      'Malformed Authorization header; expected "FC <accessKeyId>:<base64 signature>".',
    );
  }
  return { accessKeyId: match[1]!, signature: match[2]! };
}

/**
 * Verifies a request signed with FC 2.0's scheme. Checks, in order: Authorization present (401)
 * and well formed; Date present and an RFC 1123 date within maxSkewMs of now; AccessKey known;
 * Content-MD5 (if sent) matches the body; signature (constant-time compare).
 */
export function verifyFcRequest(
  req: FcVerifyRequest,
  lookup: AccessKeyLookup,
  now: Date,
  maxSkewMs: number = DEFAULT_MAX_SKEW_MS,
): FcVerifyResult {
  const authorization = singleHeader(req.headers, 'authorization');
  if (authorization === undefined || authorization.trim() === '') {
    throw new AuthError('MissingAuthorization', 'required HTTP header Authorization was not specified.');
  }
  const auth = parseAuthorization(authorization);
  const date = singleHeader(req.headers, 'date');
  if (date === undefined) {
    throw new AuthError('MissingRequiredHeader', 'required HTTP header Date was not specified');
  }
  const signedAt = new Date(date);
  if (Number.isNaN(signedAt.getTime()) || !/GMT$/.test(date.trim())) {
    throw new AuthError(
      'InvalidAuthorization',
      'Date must be an RFC 1123 date in GMT such as Mon, 02 Jan 2006 15:04:05 GMT',
    );
  }
  const key = signingKey(lookup, auth.accessKeyId, {
    header: 'Date',
    signedAt,
    now,
    maxSkewMs,
    show: (d) => d.toUTCString(),
  });
  const md5 = singleHeader(req.headers, 'content-md5');
  if (md5 !== undefined && !contentMd5Matches(md5.trim(), req.body)) {
    throw new AuthError('ContentMd5Mismatch', 'Content-MD5 does not match the MD5 of the request body.');
  }
  const expected = Buffer.from(
    signatureOf(key.secret, fcStringToSign(req.method, req.rawUrl, req.headers)),
    'utf8',
  );
  const provided = Buffer.from(auth.signature, 'utf8');
  if (expected.length !== provided.length || !timingSafeEqual(expected, provided)) {
    throw new AuthError(
      'SignatureNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your access key and signing method.',
    );
  }
  return { accessKeyId: auth.accessKeyId, tenant: key.tenant, signedAt };
}
