import { createHash } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import { jsonStore } from './json-store.js';

/**
 * The auth NonceStore port on a KV bucket: `create` fails if the key exists, atomically. Nonces
 * and AccessKey ids may hold characters KV keys cannot, so the key is a hash of both.
 */
export function createNonceStore(kv: KV): { claim(accessKeyId: string, nonce: string): Promise<boolean> } {
  const store = jsonStore<''>(kv);
  return {
    claim(accessKeyId, nonce) {
      return store.create(createHash('sha256').update(`${accessKeyId}\n${nonce}`).digest('hex'), '');
    },
  };
}
