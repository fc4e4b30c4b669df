/**
 * ACS3-HMAC-SHA256 ("V3"): the canonical request and its signature, shared by signing and
 * verification, byte-compatible with the official Alibaba Cloud SDKs
 * (`@alicloud/openapi-core` `OpenApiUtil.getAuthorization`).
 *
 * canonical request =
 *   METHOD \n
 *   canonical URI \n              (wire path; `+`->%20, `*`->%2A, %7E->~)
 *   canonical query \n            (keys sorted, `key=enc(value)` joined by `&`; key NOT encoded)
 *   canonical headers \n          (`name:value\n` for host, content-type and every x-acs-*, sorted)
 *   signed headers \n             (`;`-joined names)
 *   hex(sha256(body))             (also sent as x-acs-content-sha256; empty body -> sha256(""))
 * string to sign = "ACS3-HMAC-SHA256\n" + hex(sha256(canonical request))
 * signature      = hex(hmac-sha256(secret, string to sign))
 *
 * Pure: no I/O.
 */
import { createHash, createHmac } from 'node:crypto';
import { unescape as qsUnescape } from 'node:querystring';

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export type QueryParams = Record<string, string | string[]>;

export function sha256Hex(data: Buffer | Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `x-acs-date` format used by the SDK: `YYYY-MM-DDTHH:mm:ssZ` (UTC, no milliseconds). */
export function formatAcs3Date(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('formatAcs3Date: invalid date');
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const ACS3_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

/** Parses an x-acs-date value (ISO 8601 UTC with `Z`); returns undefined if malformed. */
export function parseAcs3Date(value: string): Date | undefined {
  const m = ACS3_DATE_RE.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const date = new Date(t);
  // Reject out-of-range fields (Date.UTC silently rolls e.g. month 13 over).
  if (
    date.getUTCMonth() !== mo - 1 ||
    date.getUTCDate() !== d ||
    date.getUTCHours() !== h ||
    h > 23 ||
    mi > 59 ||
    s > 59
  ) {
    return undefined;
  }
  return date;
}

/** The SDK's value encoder: encodeURIComponent plus `! ' ( ) *`. `~` stays as is. */
export function acs3PercentEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/!/g, '%21')
    .replace(/'/g, '%27')
    .replace(/\(/g, '%28')
    .replace(/\)/g, '%29')
    .replace(/\*/g, '%2A');
}

function canonicalUri(path: string): string {
  return path.replace(/\+/g, '%20').replace(/\*/g, '%2A').replace(/%7E/g, '~');
}

export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function canonicalQueryString(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs
    .map(([k, v]) => [k, acs3PercentEncode(v)] as const)
    .sort((a, b) => compareCodeUnits(a[0], b[0]) || compareCodeUnits(a[1], b[1]))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

export function queryPairs(query: QueryParams | undefined): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (!query) return pairs;
  for (const [k, v] of Object.entries(query)) {
    if (Array.isArray(v)) for (const item of v) pairs.push([k, item]);
    else pairs.push([k, v]);
  }
  return pairs;
}

function decodeQueryComponent(s: string): string {
  // Same semantics as Fastify's default parser: '+' is a space, bad escapes are kept.
  return qsUnescape(s.replace(/\+/g, ' '));
}

export function parseQueryPairs(rawQuery: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([decodeQueryComponent(key), decodeQueryComponent(value)]);
  }
  return pairs;
}

/**
 * Decodes a raw query string (without the leading '?') the way the verifier
 * does; repeated keys become arrays. Useful to sign a URL given as text.
 */
export function parseQueryString(rawQuery: string): QueryParams {
  const out: QueryParams = {};
  for (const [k, v] of parseQueryPairs(rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery)) {
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else out[k] = [prev, v];
  }
  return out;
}

export function isSignableHeader(name: string): boolean {
  return name.startsWith('x-acs-') || name === 'host' || name === 'content-type';
}

export function headerValue(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  if (Array.isArray(value))
    return value
      .map((v) => v.trim())
      .sort()
      .join(',');
  return value.trim();
}

export function buildCanonicalRequest(
  method: string,
  path: string,
  pairs: ReadonlyArray<readonly [string, string]>,
  signedHeaders: readonly string[],
  headerValues: (name: string) => string,
  payloadHash: string,
): string {
  let canonicalHeaders = '';
  for (const name of signedHeaders) canonicalHeaders += `${name}:${headerValues(name)}\n`;
  return [
    method,
    canonicalUri(path),
    canonicalQueryString(pairs),
    canonicalHeaders,
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

export function signatureOf(secret: string, canonicalRequest: string): string {
  const stringToSign = `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
  return createHmac('sha256', secret).update(stringToSign).digest('hex');
}

export function toBuffer(body: Buffer | Uint8Array | string | undefined): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** Splits a request target as received into its wire path and raw query. */
export function splitRawUrl(rawUrl: string): { path: string; rawQuery: string } {
  let target = rawUrl;
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target);
  if (absolute) target = target.slice(absolute[0].length);
  const hash = target.indexOf('#');
  if (hash >= 0) target = target.slice(0, hash);
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  return { path: path === '' ? '/' : path, rawQuery: q < 0 ? '' : target.slice(q + 1) };
}
