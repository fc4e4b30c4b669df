/**
 * ACS3-HMAC-SHA256 ("V3") request signing and verification, byte-compatible with
 * the official Alibaba Cloud SDKs (`@alicloud/openapi-core` `OpenApiUtil.getAuthorization`).
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
 * Pure: no I/O, no clock; time comes in as an argument.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { unescape as qsUnescape } from 'node:querystring';
import { AuthError } from './errors.js';

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';
export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;
/** A nonce must be remembered while a request carrying it could still pass the date check. */
export const RECOMMENDED_NONCE_TTL_MS = 2 * DEFAULT_MAX_SKEW_MS;
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export type QueryParams = Record<string, string | string[]>;

export interface Acs3SignRequest {
  method: string;
  /** Path exactly as sent on the wire (already percent-encoded), without the query. */
  path: string;
  /** Decoded query parameters; the wire query must decode to the same pairs. */
  query?: QueryParams;
  /** Request headers; `host` is required, `content-type` and `x-acs-*` are signed when present. */
  headers: Record<string, string>;
  body?: Buffer | Uint8Array | string | undefined;
}

export interface Acs3Credentials {
  accessKeyId: string;
  accessKeySecret: string;
}

export interface Acs3SignOptions {
  date: Date;
  nonce: string;
}

export interface Acs3SignedHeaders {
  'x-acs-date': string;
  'x-acs-signature-nonce': string;
  'x-acs-content-sha256': string;
  authorization: string;
}

export interface Acs3VerifyRequest {
  method: string;
  /** Request target exactly as received (`req.url` in node:http): path + '?' + raw query. */
  rawUrl: string;
  /** Headers with lower-cased names (node:http `req.headers`). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer | Uint8Array;
}

export interface AccessKeyRecord {
  secret: string;
  tenant: string;
}

export type AccessKeyLookup = (accessKeyId: string) => AccessKeyRecord | undefined;

export interface Acs3VerifyResult {
  accessKeyId: string;
  tenant: string;
  nonce: string;
  /** Parsed x-acs-date. */
  signedAt: Date;
}

/* ------------------------------------------------------------------ helpers */

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

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function canonicalQueryString(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs
    .map(([k, v]) => [k, acs3PercentEncode(v)] as const)
    .sort((a, b) => compareCodeUnits(a[0], b[0]) || compareCodeUnits(a[1], b[1]))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function queryPairs(query: QueryParams | undefined): Array<[string, string]> {
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

function parseQueryPairs(rawQuery: string): Array<[string, string]> {
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

function isSignableHeader(name: string): boolean {
  return name.startsWith('x-acs-') || name === 'host' || name === 'content-type';
}

function headerValue(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  if (Array.isArray(value))
    return value
      .map((v) => v.trim())
      .sort()
      .join(',');
  return value.trim();
}

function buildCanonicalRequest(
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

function signatureOf(secret: string, canonicalRequest: string): string {
  const stringToSign = `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
  return createHmac('sha256', secret).update(stringToSign).digest('hex');
}

function toBuffer(body: Buffer | Uint8Array | string | undefined): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/* --------------------------------------------------------------------- sign */

/**
 * Computes the headers the official SDK would add for this request:
 * x-acs-date, x-acs-signature-nonce, x-acs-content-sha256 and authorization.
 * Signed headers: host, content-type (if given) and every x-acs-* header of
 * `req.headers` plus the three added ones.
 */
export function signAcs3Request(
  req: Acs3SignRequest,
  creds: Acs3Credentials,
  opts: Acs3SignOptions,
): Acs3SignedHeaders {
  if (!req.path.startsWith('/')) throw new TypeError('signAcs3Request: path must start with "/"');
  if (!opts.nonce) throw new TypeError('signAcs3Request: nonce must not be empty');
  const payloadHash = sha256Hex(toBuffer(req.body));
  const added = {
    'x-acs-date': formatAcs3Date(opts.date),
    'x-acs-signature-nonce': opts.nonce,
    'x-acs-content-sha256': payloadHash,
  };
  const values = new Map<string, string[]>();
  for (const [name, value] of Object.entries(req.headers)) {
    const lower = name.toLowerCase();
    if (!isSignableHeader(lower) || lower in added) continue;
    const list = values.get(lower);
    if (list) list.push(value);
    else values.set(lower, [value]);
  }
  for (const [name, value] of Object.entries(added)) values.set(name, [value]);
  if (!values.has('host')) throw new TypeError('signAcs3Request: headers.host is required');

  const signedHeaders = [...values.keys()].sort(compareCodeUnits);
  const canonicalRequest = buildCanonicalRequest(
    req.method,
    req.path,
    queryPairs(req.query),
    signedHeaders,
    (name) => headerValue(values.get(name)),
    payloadHash,
  );
  const signature = signatureOf(creds.accessKeySecret, canonicalRequest);
  return {
    ...added,
    authorization: `${ACS3_ALGORITHM} Credential=${creds.accessKeyId},SignedHeaders=${signedHeaders.join(';')},Signature=${signature}`,
  };
}

/* ------------------------------------------------------------------- verify */

interface ParsedAuthorization {
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

const HEADER_NAME_RE = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

function parseAuthorization(value: string): ParsedAuthorization {
  const trimmed = value.trim();
  const space = trimmed.search(/\s/);
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  if (algorithm !== ACS3_ALGORITHM) {
    throw new AuthError(
      'InvalidAuthorization',
      `Unsupported signature algorithm "${algorithm.slice(0, 32)}"; only ${ACS3_ALGORITHM} is accepted (SDK default signatureVersion/signatureAlgorithm).`,
    );
  }
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeadersRaw = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || !signedHeadersRaw || !signature) {
    throw new AuthError(
      'InvalidAuthorization',
      `Malformed Authorization header; expected "${ACS3_ALGORITHM} Credential=<id>,SignedHeaders=<h1;h2>,Signature=<hex>".`,
    );
  }
  const signedHeaders = signedHeadersRaw.split(';');
  if (
    signedHeaders.some((h) => !HEADER_NAME_RE.test(h)) ||
    new Set(signedHeaders).size !== signedHeaders.length
  ) {
    throw new AuthError(
      'InvalidAuthorization',
      'SignedHeaders must be distinct lower-case header names separated by ";".',
    );
  }
  return { accessKeyId, signedHeaders, signature };
}

/** A header's value (repeated ones joined by commas, as Node joins them). */
export function singleHeader(headers: Acs3VerifyRequest['headers'], name: string): string | undefined {
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

function splitRawUrl(rawUrl: string): { path: string; rawQuery: string } {
  let target = rawUrl;
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target);
  if (absolute) target = target.slice(absolute[0].length);
  const hash = target.indexOf('#');
  if (hash >= 0) target = target.slice(0, hash);
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  return { path: path === '' ? '/' : path, rawQuery: q < 0 ? '' : target.slice(q + 1) };
}

function timingSafeHexEqual(expectedHex: string, providedHex: string): boolean {
  if (!/^[0-9a-f]+$/i.test(providedHex) || providedHex.length !== expectedHex.length) return false;
  return timingSafeEqual(Buffer.from(expectedHex, 'hex'), Buffer.from(providedHex.toLowerCase(), 'hex'));
}

const REQUIRED_SIGNED = ['host', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256'] as const;
const NONCE_RE = /^[\x21-\x7e]{1,256}$/;

/**
 * Verifies an ACS3-HMAC-SHA256 request as received. Checks, in order:
 * Authorization present (401) and well formed; signing headers present and
 * signed (host, x-acs-date, x-acs-signature-nonce, x-acs-content-sha256, plus
 * content-type and every x-acs-* header that is present); AccessKey known;
 * |now - x-acs-date| <= maxSkewMs; x-acs-content-sha256 == sha256(body);
 * signature (constant-time compare). Nonce replay is NOT checked here: pass the
 * returned nonce to a `NonceStore` and throw `signatureNonceUsedError()` on reuse.
 */
export function verifyAcs3Request(
  req: Acs3VerifyRequest,
  lookup: AccessKeyLookup,
  now: Date,
  maxSkewMs: number = DEFAULT_MAX_SKEW_MS,
): Acs3VerifyResult {
  const { headers } = req;
  const authorization = singleHeader(headers, 'authorization');
  if (authorization === undefined || authorization.trim() === '') {
    throw new AuthError(
      'MissingAuthorization',
      `required HTTP header Authorization was not specified (${ACS3_ALGORITHM}).`,
    );
  }
  const auth = parseAuthorization(authorization);

  for (const name of REQUIRED_SIGNED) {
    if (singleHeader(headers, name) === undefined) {
      throw new AuthError('MissingRequiredHeader', `required HTTP header ${name} was not specified`);
    }
  }
  const signedSet = new Set(auth.signedHeaders);
  const mustSign = new Set<string>(REQUIRED_SIGNED);
  for (const name of Object.keys(headers)) {
    if (headers[name] !== undefined && (name.startsWith('x-acs-') || name === 'content-type'))
      mustSign.add(name);
  }
  for (const name of mustSign) {
    if (!signedSet.has(name)) {
      throw new AuthError('InvalidAuthorization', `header ${name} must be included in SignedHeaders`);
    }
  }

  const dateHeader = singleHeader(headers, 'x-acs-date') ?? '';
  const signedAt = parseAcs3Date(dateHeader.trim());
  if (!signedAt) {
    throw new AuthError(
      'InvalidAuthorization',
      'x-acs-date must be an ISO 8601 UTC timestamp such as 2024-01-02T03:04:05Z',
    );
  }
  const nonce = (singleHeader(headers, 'x-acs-signature-nonce') ?? '').trim();
  if (!NONCE_RE.test(nonce)) {
    throw new AuthError(
      'InvalidAuthorization',
      'x-acs-signature-nonce must be 1-256 printable ASCII characters',
    );
  }

  const key = signingKey(lookup, auth.accessKeyId, { header: 'x-acs-date', signedAt, now, maxSkewMs });

  const declaredHash = (singleHeader(headers, 'x-acs-content-sha256') ?? '').trim();
  const actualHash = sha256Hex(req.body);
  if (declaredHash.toLowerCase() !== actualHash) {
    throw new AuthError(
      'ContentSha256Mismatch',
      'x-acs-content-sha256 does not match the SHA-256 of the request body.',
    );
  }

  const { path, rawQuery } = splitRawUrl(req.rawUrl);
  const canonicalRequest = buildCanonicalRequest(
    req.method,
    path,
    parseQueryPairs(rawQuery),
    auth.signedHeaders,
    (name) => headerValue(headers[name]),
    declaredHash,
  );
  const expected = signatureOf(key.secret, canonicalRequest);
  if (!timingSafeHexEqual(expected, auth.signature)) {
    throw new AuthError(
      'SignatureNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your access key and signing method.',
    );
  }
  return { accessKeyId: auth.accessKeyId, tenant: key.tenant, nonce, signedAt };
}
