/**
 * ACS3-HMAC-SHA256 ("V3") request signing and verification, byte-compatible with the official
 * Alibaba Cloud SDKs (`@alicloud/openapi-core` `OpenApiUtil.getAuthorization`). The canonical
 * request and its signature are built in `acs3-canonical.ts`; the AccessKey and time check,
 * shared with FC 2.0's scheme, in `signing-key.ts`. Pure: no I/O, no clock; time comes in as an
 * argument.
 */
import { timingSafeEqual } from 'node:crypto';
import {
  ACS3_ALGORITHM,
  buildCanonicalRequest,
  compareCodeUnits,
  formatAcs3Date,
  headerValue,
  isSignableHeader,
  parseAcs3Date,
  parseQueryPairs,
  queryPairs,
  sha256Hex,
  signatureOf,
  splitRawUrl,
  toBuffer,
  type QueryParams,
} from './acs3-canonical.js';
import { AuthError } from './errors.js';
import {
  DEFAULT_MAX_SKEW_MS,
  signingKey,
  singleHeader,
  type AccessKeyLookup,
  type RequestHeaders,
} from './signing-key.js';

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
  headers: RequestHeaders;
  body: Buffer | Uint8Array;
}

export interface Acs3VerifyResult {
  accessKeyId: string;
  tenant: string;
  nonce: string;
  /** Parsed x-acs-date. */
  signedAt: Date;
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
