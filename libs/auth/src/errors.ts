import { ApiError, errorMessage, type ErrorCode } from '@asyncfn/contracts';

/*
 * Authentication errors. Their codes, statuses and messages live in the one error registry
 * (@asyncfn/contracts, errors.ts). Status policy, one rule for every code:
 * - 401: no credentials at all (FC itself never answers 401, but that is what 401 means);
 * - 400: the request cannot be checked because it is malformed (FC's MissingRequiredHeader);
 * - 403: the request was checked and its claim rejected (FC: SignatureNotMatch, InvalidAccessKeyID),
 *   and so are an expired date, a replayed nonce and a body that does not match its hash.
 */

export const AUTH_ERROR_CODES = [
  'MissingAuthorization',
  'InvalidAuthorization',
  'MissingRequiredHeader',
  'InvalidAccessKeyID',
  'SignatureNotMatch',
  'ContentSha256Mismatch',
  'RequestTimeTooSkewed',
  'SignatureNonceUsed',
  'ContentMd5Mismatch',
  'InvalidAccessKeySecret',
  'InvalidSession',
  'CsrfTokenMismatch',
] as const satisfies readonly ErrorCode[];

export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number];

/** An ApiError of an authentication code (the ingress answers it like any other). */
export class AuthError extends ApiError {
  override readonly name: string = 'AuthError';
  declare readonly code: AuthErrorCode;
  constructor(code: AuthErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
  /** The HTTP status (the registry's). */
  get httpStatus(): number {
    return this.status;
  }
}

export function isAuthError(value: unknown): value is AuthError {
  return value instanceof AuthError;
}

/** Factory for the replay error; the caller checks nonces through a `NonceStore`. */
export function signatureNonceUsedError(): AuthError {
  return new AuthError('SignatureNonceUsed', errorMessage('SignatureNonceUsed'));
}
