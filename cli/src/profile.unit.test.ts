import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { parseConfigFile, resolveProfile } from './profile.js';

const FILE = `
# ~/.asyncfn/config
[default]
endpoint = http://127.0.0.1:9000
access_key_id = LTAIdefault
access_key_secret = default-secret

[profile staging]
endpoint = https://asyncfn.staging.example.com
access_key_id = LTAIstaging
access_key_secret = staging-secret
`;
const file = (text: string | undefined) => () => text;
const HOME_ENV = { ASYNCFN_CONFIG_FILE: '/cfg' };

describe('profiles', () => {
  it('reads INI sections, `[profile x]` or `[x]`', () => {
    const profiles = parseConfigFile(`${FILE}\n[dev]\nendpoint = 127.0.0.1:9100\n`);
    expect([...profiles.keys()]).toEqual(['default', 'staging', 'dev']);
    expect(profiles.get('staging')?.access_key_id).toBe('LTAIstaging');
  });

  it('uses the default profile, or the one named by --profile or ASYNCFN_PROFILE', () => {
    expect(resolveProfile({}, HOME_ENV, file(FILE))).toMatchObject({
      endpoint: 'http://127.0.0.1:9000',
      accessKeyId: 'LTAIdefault',
      source: "profile 'default' of /cfg",
    });
    expect(resolveProfile({ profile: 'staging' }, HOME_ENV, file(FILE))).toMatchObject({
      endpoint: 'https://asyncfn.staging.example.com',
      accessKeySecret: 'staging-secret',
    });
    expect(resolveProfile({}, { ...HOME_ENV, ASYNCFN_PROFILE: 'staging' }, file(FILE)).accessKeyId).toBe(
      'LTAIstaging',
    );
    expect(() => resolveProfile({ profile: 'prod' }, HOME_ENV, file(FILE))).toThrow(UsageError);
  });

  it('lets the environment and --endpoint override the file', () => {
    const env = { ...HOME_ENV, ASYNCFN_ACCESS_KEY_ID: 'LTAIenv', ASYNCFN_ACCESS_KEY_SECRET: 'env-secret' };
    expect(resolveProfile({ endpoint: '10.0.0.1:9000' }, env, file(FILE))).toMatchObject({
      endpoint: 'http://10.0.0.1:9000',
      accessKeyId: 'LTAIenv',
      accessKeySecret: 'env-secret',
    });
    expect(
      resolveProfile({}, { ...env, ASYNCFN_ENDPOINT: 'https://x.example' }, file(undefined)),
    ).toMatchObject({
      endpoint: 'https://x.example',
      source: 'the environment',
    });
  });

  it('falls back to the local stack and its development key only when nothing is configured', () => {
    expect(resolveProfile({}, HOME_ENV, file(undefined))).toEqual({
      endpoint: 'http://127.0.0.1:9000',
      accessKeyId: 'LTAIasyncfnLocalKey',
      accessKeySecret: 'asyncfnLocalSecret',
      source: 'the local development key (nothing configured)',
    });
    // Half a key is a mistake, not a reason to use another one.
    expect(() =>
      resolveProfile({}, { ...HOME_ENV, ASYNCFN_ACCESS_KEY_ID: 'LTAIx' }, file(undefined)),
    ).toThrow(/needs both its id and its secret/);
    expect(() => resolveProfile({ endpoint: 'http://' }, HOME_ENV, file(undefined))).toThrow(/not a URL/);
  });
});
