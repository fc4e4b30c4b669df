import { randomBytes } from 'node:crypto';
import { signAcs3Request } from '@asyncfn/auth';
import { loadConfig } from '@asyncfn/config';
import { createLogger } from '@asyncfn/telemetry';
import { wireIngress, type WiredIngress } from '../../services/ingress/src/wiring.js';
import { serverUrls, testNames } from './env.js';

export const INJECT_KEY = { accessKeyId: 'LTAIinjectTestKey', accessKeySecret: 'injectTestSecret' };

/**
 * The ingress app wired as main.ts wires it (real NATS and MongoDB, a namespace of its own), not
 * listening: tests drive it with inject().
 */
export async function injectableIngress(prefix: string): Promise<WiredIngress> {
  const names = testNames(prefix);
  const config = loadConfig('ingress', {
    ...process.env,
    ...serverUrls().env,
    ASYNCFN_NAMESPACE: names.namespace,
    // The services' test users (as scripts/stack.ts runs them): their NATS permissions cover test namespaces.
    ASYNCFN_NATS_USER_PREFIX: 'test-',
    ASYNCFN_ACCESS_KEYS: `${INJECT_KEY.accessKeyId}:${INJECT_KEY.accessKeySecret}:injecttenant`,
  });
  return wireIngress(config, createLogger(`${prefix}-test`, 'silent'));
}

/** inject() a request (path with its query) signed as the official SDK signs it (ACS3-HMAC-SHA256). */
export function injectSigned(
  ingress: WiredIngress,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  /** Already percent-encoded, as on the wire. */
  path: string,
  body?: string,
  /** Unsigned headers (FC's x-fc-* are not part of the signature). */
  extraHeaders: Record<string, string> = {},
) {
  const headers: Record<string, string> = { host: 'ingress.test' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const url = new URL(path, 'http://ingress.test');
  const query = Object.fromEntries(url.searchParams);
  const signed = signAcs3Request({ method, path: url.pathname, query, headers, body }, INJECT_KEY, {
    date: new Date(),
    nonce: randomBytes(16).toString('hex'),
  });
  return ingress.app.inject({
    method,
    url: path,
    headers: { ...headers, ...signed, ...extraHeaders },
    ...(body !== undefined ? { payload: body } : {}),
  });
}
