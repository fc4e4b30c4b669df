/**
 * Port for replay protection. `claim` atomically records (accessKeyId, nonce)
 * for `ttlMs` and resolves `true` only the first time it is seen.
 *
 * Use a TTL of at least twice the accepted clock skew (`RECOMMENDED_NONCE_TTL_MS`):
 * a request dated up to `maxSkew` in the future stays acceptable until
 * `maxSkew` after that date. On `false`, reject with `signatureNonceUsedError()`.
 */
export interface NonceStore {
  claim(accessKeyId: string, nonce: string, ttlMs: number): Promise<boolean>;
}
