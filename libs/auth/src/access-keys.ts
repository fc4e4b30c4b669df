import type { AccessKeyLookup, AccessKeyRecord } from './signing-key.js';

export const DEFAULT_LOCAL_ACCESS_KEY_ID = 'LTAIasyncfnLocalKey';
export const DEFAULT_LOCAL_ACCESS_KEY_SECRET = 'asyncfnLocalSecret';
export const DEFAULT_LOCAL_TENANT = 'default';
/** Value of the access-keys setting for local development: `id:secret:tenant`. */
export const DEFAULT_LOCAL_ACCESS_KEYS = `${DEFAULT_LOCAL_ACCESS_KEY_ID}:${DEFAULT_LOCAL_ACCESS_KEY_SECRET}:${DEFAULT_LOCAL_TENANT}`;

export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/i;
/** AccessKey ids go into `Credential=<id>,` so they cannot hold commas, colons or whitespace. */
export const ACCESS_KEY_ID_PATTERN = /^[A-Za-z0-9._~-]{1,128}$/;

/**
 * Parses `id:secret:tenant,id2:secret2:tenant2` (whitespace around entries and
 * fields is ignored, empty entries such as a trailing comma are skipped). The
 * secret may itself contain `:` (the first and last `:` delimit it). Errors name
 * the entry by its 1-based position and never include the secret.
 */
export function parseAccessKeys(value: string): Map<string, AccessKeyRecord> {
  const keys = new Map<string, AccessKeyRecord>();
  const entries = value.split(',');
  entries.forEach((rawEntry, index) => {
    const entry = rawEntry.trim();
    if (entry === '') return;
    const where = `access key entry #${index + 1}`;
    const first = entry.indexOf(':');
    const last = entry.lastIndexOf(':');
    if (first < 0 || first === last) {
      throw new Error(`${where} is malformed: expected "id:secret:tenant"`);
    }
    const id = entry.slice(0, first).trim();
    const secret = entry.slice(first + 1, last).trim();
    const tenant = entry.slice(last + 1).trim();
    if (!ACCESS_KEY_ID_PATTERN.test(id)) {
      throw new Error(`${where} has an invalid access key id: expected 1-128 characters of [A-Za-z0-9._~-]`);
    }
    if (secret === '') {
      throw new Error(`${where} has an empty secret`);
    }
    if (!TENANT_ID_PATTERN.test(tenant)) {
      throw new Error(
        `${where} has an invalid tenant id: expected 1-63 letters, digits or '-', not starting with '-'`,
      );
    }
    if (keys.has(id)) {
      throw new Error(`${where} repeats access key id "${id}"`);
    }
    keys.set(id, { secret, tenant });
  });
  if (keys.size === 0) {
    throw new Error('access keys: no entries; expected "id:secret:tenant[,id2:secret2:tenant2...]"');
  }
  return keys;
}

/** Adapts a parsed key map to the lookup `verifyAcs3Request` takes. */
export function accessKeyLookup(keys: ReadonlyMap<string, AccessKeyRecord>): AccessKeyLookup {
  return (accessKeyId) => keys.get(accessKeyId);
}
