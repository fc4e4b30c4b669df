import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signPayload, signingSecrets, verifySignature } from './signature.js';

describe('HTTP destination signatures', () => {
  const body = '{"timestamp":1}';

  it('is sha256=<hex HMAC of "<timestamp>.<body>">', () => {
    const hex = createHmac('sha256', 's3cret').update(`1700000000000.${body}`).digest('hex');
    expect(signPayload('s3cret', 1_700_000_000_000, body)).toBe(`sha256=${hex}`);
  });

  it('verifies a fresh signature and refuses a tampered body, another secret or an old timestamp', () => {
    const now = 1_700_000_000_000;
    const headers = { signature: signPayload('s3cret', now, body), timestamp: String(now) };
    expect(verifySignature('s3cret', headers, body, { now })).toBe(true);
    expect(verifySignature('s3cret', headers, body + ' ', { now })).toBe(false);
    expect(verifySignature('other', headers, body, { now })).toBe(false);
    expect(verifySignature('s3cret', headers, body, { now: now + 6 * 60_000 })).toBe(false);
    expect(verifySignature('s3cret', { signature: undefined, timestamp: String(now) }, body, { now })).toBe(
      false,
    );
  });

  it('takes a secret per tenant, with a default for the rest', () => {
    const secretOf = signingSecrets('default-secret', 'acme:a:b:c, other:o');
    expect(secretOf('acme')).toBe('a:b:c');
    expect(secretOf('other')).toBe('o');
    expect(secretOf('nobody')).toBe('default-secret');
    expect(() => signingSecrets('d', 'broken')).toThrow(/tenant:secret/);
  });
});
