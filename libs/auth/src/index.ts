export {
  ACS3_ALGORITHM,
  EMPTY_BODY_SHA256,
  acs3PercentEncode,
  formatAcs3Date,
  parseAcs3Date,
  parseQueryString,
  sha256Hex,
} from './acs3-canonical.js';
export type { QueryParams } from './acs3-canonical.js';
export { signAcs3Request, verifyAcs3Request } from './acs3.js';
export type {
  Acs3Credentials,
  Acs3SignOptions,
  Acs3SignRequest,
  Acs3SignedHeaders,
  Acs3VerifyRequest,
  Acs3VerifyResult,
} from './acs3.js';
export { DEFAULT_MAX_SKEW_MS, RECOMMENDED_NONCE_TTL_MS } from './signing-key.js';
export type { AccessKeyLookup, AccessKeyRecord } from './signing-key.js';
export {
  FC_SIGNATURE_SCHEME,
  fcStringToSign,
  isFcAuthorization,
  signFcRequest,
  verifyFcRequest,
} from './fc-signature.js';
export type { FcSignRequest, FcVerifyRequest, FcVerifyResult } from './fc-signature.js';
export {
  ACCESS_KEY_ID_PATTERN,
  DEFAULT_LOCAL_ACCESS_KEYS,
  DEFAULT_LOCAL_ACCESS_KEY_ID,
  DEFAULT_LOCAL_ACCESS_KEY_SECRET,
  DEFAULT_LOCAL_TENANT,
  TENANT_ID_PATTERN,
  accessKeyLookup,
  parseAccessKeys,
} from './access-keys.js';
export { AUTH_ERROR_CODES, AuthError, isAuthError, signatureNonceUsedError } from './errors.js';
export type { AuthErrorCode } from './errors.js';
export type { NonceStore } from './nonce-store.js';
