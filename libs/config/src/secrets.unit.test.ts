import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from './index.js';
import { accessKeys, mongoUrl, natsAuth } from './secrets.js';

const dir = mkdtempSync(join(tmpdir(), 'asyncfn-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string) => {
  writeFileSync(join(dir, name), content, { mode: 0o600 });
  return join(dir, name);
};
const empty = mkdtempSync(join(tmpdir(), 'asyncfn-no-secrets-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

describe('credentials from files', () => {
  it("NATS: the user's password file in the secrets dir, the test user under ASYNCFN_NATS_USER_PREFIX", () => {
    file('nats-executor.password', 'pw-executor\n');
    file('nats-test-executor.password', 'pw-test\n');
    file('nats-admin.password', 'pw-admin\n');
    const env = { ASYNCFN_SECRETS_DIR: dir };
    expect(natsAuth('executor', env)).toEqual({ user: 'executor', pass: 'pw-executor' });
    const test = { ...env, ASYNCFN_NATS_USER_PREFIX: 'test-' };
    expect(natsAuth('executor', test)).toEqual({ user: 'test-executor', pass: 'pw-test' });
    expect(natsAuth('admin', test)).toEqual({ user: 'admin', pass: 'pw-admin' });
    expect(loadConfig('executor', env).natsAuth).toEqual({ user: 'executor', pass: 'pw-executor' });
    // no file: a server without authentication
    expect(natsAuth('executor', { ASYNCFN_SECRETS_DIR: empty })).toBeUndefined();
  });

  it('NATS: NATS_USER + NATS_PASSWORD_FILE win; an unreadable or empty file is an error naming it', () => {
    const pw = file('elsewhere', 'pw-x');
    expect(natsAuth('executor', { NATS_USER: 'x', NATS_PASSWORD_FILE: pw })).toEqual({
      user: 'x',
      pass: 'pw-x',
    });
    expect(() => natsAuth('executor', { NATS_PASSWORD_FILE: join(dir, 'missing') })).toThrow(
      /NATS_PASSWORD_FILE: cannot read .*missing: ENOENT/,
    );
    expect(() => natsAuth('executor', { NATS_PASSWORD_FILE: file('blank', '\n') })).toThrow(/is empty/);
  });

  it('MongoDB: MONGO_URL_FILE, then MONGO_URL, then the secrets dir, then the loopback default', () => {
    const url = 'mongodb://asyncfn:s3cret@127.0.0.1:27017/?authMechanism=PLAIN';
    file('mongo-url', `${url}\n`);
    const other = file('other-url', 'mongodb://u:p@db:27017/');
    expect(mongoUrl({ ASYNCFN_SECRETS_DIR: dir })).toBe(url);
    expect(mongoUrl({ ASYNCFN_SECRETS_DIR: dir, MONGO_URL: 'mongodb://x:1/' })).toBe('mongodb://x:1/');
    expect(mongoUrl({ ASYNCFN_SECRETS_DIR: dir, MONGO_URL: 'mongodb://x:1/', MONGO_URL_FILE: other })).toBe(
      'mongodb://u:p@db:27017/',
    );
    expect(mongoUrl({ ASYNCFN_SECRETS_DIR: empty })).toBe('mongodb://127.0.0.1:27017');
  });

  it('AccessKeys: ASYNCFN_ACCESS_KEYS_FILE, then ASYNCFN_ACCESS_KEYS, then the secrets dir; only the ingress loads them', () => {
    file('access-keys', 'id1:secret1:t1\n');
    const keysFile = file('keys', 'id2:secret2:t2\n');
    expect(accessKeys({ ASYNCFN_SECRETS_DIR: dir }, 'fallback')).toBe('id1:secret1:t1');
    expect(accessKeys({ ASYNCFN_SECRETS_DIR: dir, ASYNCFN_ACCESS_KEYS: 'a:b:c' }, 'fallback')).toBe('a:b:c');
    expect(
      accessKeys(
        { ASYNCFN_SECRETS_DIR: dir, ASYNCFN_ACCESS_KEYS: 'a:b:c', ASYNCFN_ACCESS_KEYS_FILE: keysFile },
        'f',
      ),
    ).toBe('id2:secret2:t2');
    expect(accessKeys({ ASYNCFN_SECRETS_DIR: empty }, 'fallback')).toBe('fallback');
    expect(loadConfig('ingress', { ASYNCFN_SECRETS_DIR: dir }).accessKeys).toBe('id1:secret1:t1');
    expect(loadConfig('executor', { ASYNCFN_SECRETS_DIR: dir }).accessKeys).toBe('');
  });
});
