import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_SIGNING_SECRET, loadDestinationSettings } from './settings.js';

const dir = mkdtempSync(join(tmpdir(), 'asyncfn-dest-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('signing secrets', () => {
  it('come from files when *_FILE is set (kept out of the environment), else from the variables', () => {
    writeFileSync(join(dir, 'secret'), 'from-file\n', { mode: 0o600 });
    writeFileSync(join(dir, 'secrets'), 'acme:acme-secret\n', { mode: 0o600 });
    const fromFiles = loadDestinationSettings({
      ASYNCFN_DESTINATION_SIGNING_SECRET_FILE: join(dir, 'secret'),
      ASYNCFN_DESTINATION_SIGNING_SECRETS_FILE: join(dir, 'secrets'),
      ASYNCFN_DESTINATION_SIGNING_SECRET: 'ignored',
    });
    expect(fromFiles.secretOf('default')).toBe('from-file');
    expect(fromFiles.secretOf('acme')).toBe('acme-secret');
    expect(fromFiles.usingDevSecret).toBe(false);
    expect(loadDestinationSettings({ ASYNCFN_DESTINATION_SIGNING_SECRET: 'env' }).secretOf('x')).toBe('env');
    expect(loadDestinationSettings({}).secretOf('x')).toBe(DEV_SIGNING_SECRET);
    expect(() =>
      loadDestinationSettings({ ASYNCFN_DESTINATION_SIGNING_SECRET_FILE: join(dir, 'nope') }),
    ).toThrow(/ASYNCFN_DESTINATION_SIGNING_SECRET_FILE: cannot read/);
  });
});
