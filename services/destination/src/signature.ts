import { createHmac, timingSafeEqual } from 'node:crypto';

/*
 * HTTP destinations: every POST carries
 *   x-asyncfn-timestamp: <epoch ms when it was signed>
 *   x-asyncfn-signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 * The timestamp is inside the signed text, so a captured request cannot be replayed later with a
 * fresh timestamp. A receiver recomputes the HMAC over the raw body bytes it received, compares in
 * constant time, and rejects timestamps older than its tolerance (5 minutes is a good default).
 */

export const SIGNATURE_HEADER = 'x-asyncfn-signature';
export const TIMESTAMP_HEADER = 'x-asyncfn-timestamp';

export function signPayload(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does (also used by the tests): true if the signature is valid and fresh. */
export function verifySignature(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  body: string,
  options: { now?: number; toleranceMs?: number } = {},
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(timestamp)) return false;
  const now = options.now ?? Date.now();
  if (Math.abs(now - timestamp) > (options.toleranceMs ?? 5 * 60_000)) return false;
  const expected = Buffer.from(signPayload(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * The signing secret per tenant: ASYNCFN_DESTINATION_SIGNING_SECRETS lists `tenant:secret` pairs
 * (comma-separated); every other tenant gets ASYNCFN_DESTINATION_SIGNING_SECRET.
 */
export function signingSecrets(
  defaultSecret: string,
  perTenant: string | undefined,
): (tenant: string) => string {
  const map = new Map<string, string>();
  for (const entry of (perTenant ?? '').split(',')) {
    const trimmed = entry.trim();
    const colon = trimmed.indexOf(':');
    if (colon <= 0 || colon === trimmed.length - 1) {
      if (trimmed)
        throw new Error(
          `ASYNCFN_DESTINATION_SIGNING_SECRETS: '${trimmed.slice(0, 40)}' is not tenant:secret`,
        );
      continue;
    }
    map.set(trimmed.slice(0, colon), trimmed.slice(colon + 1));
  }
  return (tenant) => map.get(tenant) ?? defaultSecret;
}
