/**
 * Authentication errors, in the style of Function Compute 3.0.
 *
 * Status policy (one rule, applied to every code):
 * - 401: no credentials at all (no `Authorization` header). FC itself never
 *   answers 401, but "not authenticated" is what 401 means, and an API can add
 *   `WWW-Authenticate: ACS3-HMAC-SHA256` to it.
 * - 400: the request cannot be checked because it is malformed: a required
 *   signing header is missing (FC's own `MissingRequiredHeader`) or the
 *   `Authorization` header / signing scheme is unusable.
 * - 403: the request was checked and its claim was rejected. FC answers
 *   `SignatureNotMatch` and `InvalidAccessKeyID` with 403 (FC error-code table);
 *   an expired date, a replayed nonce and a body that does not match its
 *   declared hash are rejections of the same kind, so they are 403 too.
 */

export const AUTH_ERROR_CODES = [
  {
    code: 'MissingAuthorization',
    httpStatus: 401,
    description: 'The request has no Authorization header; sign it with ACS3-HMAC-SHA256.',
  },
  {
    code: 'InvalidAuthorization',
    httpStatus: 400,
    description:
      'The Authorization header or signing headers are malformed, the algorithm is not ACS3-HMAC-SHA256, or a header that must be signed is not in SignedHeaders.',
  },
  {
    code: 'MissingRequiredHeader',
    httpStatus: 400,
    description:
      'A header required for ACS3 signing (x-acs-date, x-acs-signature-nonce, x-acs-content-sha256, host) is missing.',
  },
  {
    code: 'InvalidAccessKeyID',
    httpStatus: 403,
    description: 'The AccessKey ID in the Authorization header is unknown.',
  },
  {
    code: 'SignatureNotMatch',
    httpStatus: 403,
    description:
      'The request signature we calculated does not match the signature you provided. Check your access key and signing method.',
  },
  {
    code: 'ContentSha256Mismatch',
    httpStatus: 403,
    description: 'x-acs-content-sha256 does not match the SHA-256 of the request body.',
  },
  {
    code: 'ContentMd5Mismatch',
    httpStatus: 403,
    description: 'Content-MD5 does not match the MD5 of the request body (FC 2.0 signature scheme).',
  },
  {
    code: 'RequestTimeTooSkewed',
    httpStatus: 403,
    description:
      'x-acs-date differs from the server time by more than the allowed skew (15 minutes by default).',
  },
  {
    code: 'InvalidAccessKeySecret',
    httpStatus: 403,
    description: 'Console sign-in: the AccessKey Secret does not belong to that AccessKey ID.',
  },
  {
    code: 'InvalidSession',
    httpStatus: 401,
    description:
      'Console session: the session cookie is unknown or expired (sessions last 8 hours by default); sign in again.',
  },
  {
    code: 'CsrfTokenMismatch',
    httpStatus: 403,
    description:
      'Console session: a request that changes something must carry the x-asyncfn-csrf header the sign-in returned.',
  },
  {
    code: 'SignatureNonceUsed',
    httpStatus: 403,
    description: 'x-acs-signature-nonce was already used with this AccessKey ID (replayed request).',
  },
] as const;

export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number]['code'];

export const AUTH_ERROR_STATUS: Readonly<Record<AuthErrorCode, number>> = Object.freeze(
  Object.fromEntries(AUTH_ERROR_CODES.map((e) => [e.code, e.httpStatus])) as Record<AuthErrorCode, number>,
);

export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code: AuthErrorCode;
  readonly httpStatus: number;

  constructor(code: AuthErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.httpStatus = AUTH_ERROR_STATUS[code];
  }
}

export function isAuthError(value: unknown): value is AuthError {
  return value instanceof AuthError;
}

/** Factory for the replay error; the caller checks nonces through a `NonceStore`. */
export function signatureNonceUsedError(): AuthError {
  return new AuthError(
    'SignatureNonceUsed',
    'The x-acs-signature-nonce of this request has already been used; every request needs a fresh nonce.',
  );
}
