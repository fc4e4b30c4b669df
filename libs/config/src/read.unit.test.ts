import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SETTINGS, loadConfig, readSetting } from './index.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');

describe('readSetting', () => {
  it('gives the default for an unset or empty variable', () => {
    expect(readSetting('ASYNCFN_EXECUTOR_CONCURRENCY', {})).toBe(64);
    expect(readSetting('ASYNCFN_EXECUTOR_CONCURRENCY', { ASYNCFN_EXECUTOR_CONCURRENCY: '' })).toBe(64);
    expect(readSetting('KAFKA_BROKERS', {})).toEqual(['127.0.0.1:9092']);
    expect(readSetting('OTEL_SDK_DISABLED', {})).toBe(false);
  });

  it('parses each kind', () => {
    expect(readSetting('ASYNCFN_EXECUTOR_CONCURRENCY', { ASYNCFN_EXECUTOR_CONCURRENCY: ' 8 ' })).toBe(8);
    expect(readSetting('KAFKA_BROKERS', { KAFKA_BROKERS: 'a:1, b:2,,' })).toEqual(['a:1', 'b:2']);
    expect(readSetting('ASYNCFN_NODE_ARGS', { ASYNCFN_NODE_ARGS: ' --a  --b=c ' })).toEqual(['--a', '--b=c']);
    expect(readSetting('ASYNCFN_KEEP_SERVERS', { ASYNCFN_KEEP_SERVERS: '1' })).toBe(true);
    expect(readSetting('OTEL_SDK_DISABLED', { OTEL_SDK_DISABLED: 'true' })).toBe(true);
    expect(readSetting('OTEL_SDK_DISABLED', { OTEL_SDK_DISABLED: 'false' })).toBe(false);
    expect(readSetting('LOG_LEVEL', { LOG_LEVEL: 'debug' })).toBe('debug');
  });

  it.each([
    ['ASYNCFN_EXECUTOR_CONCURRENCY', '0', /ASYNCFN_EXECUTOR_CONCURRENCY: expected an integer ≥ 1, got '0'/],
    ['ASYNCFN_DESTINATION_TIMEOUT_MS', '5s', /expected an integer ≥ 100, got '5s'/],
    ['ASYNCFN_INGRESS_PORT', '70000', /expected an integer ≥ 1 and ≤ 65535/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent/],
    ['ASYNCFN_KEEP_TEST_DATA', 'yes', /expected 1, true, 0 or false/],
  ] as const)('refuses %s=%s with the variable named', (name, raw, message) => {
    expect(() => readSetting(name, { [name]: raw })).toThrow(message);
  });

  it('derives a default from another setting', () => {
    expect(readSetting('ASYNCFN_CODE_CACHE', { ASYNCFN_CACHE: '/srv/af' })).toBe('/srv/af/code');
    expect(readSetting('ASYNCFN_CODE_CACHE', { ASYNCFN_CACHE: '/srv/af', ASYNCFN_CODE_CACHE: '/c' })).toBe(
      '/c',
    );
  });

  it("gives loadConfig the service's own port", () => {
    expect(loadConfig('status', {}).port).toBe(9103);
    expect(loadConfig('status', { ASYNCFN_STATUS_PORT: '19003', ASYNCFN_INGRESS_PORT: '1' }).port).toBe(
      19003,
    );
  });
});

/** Files allowed to read process.env themselves, and why. */
const OWN_ENV_READS: Record<string, string> = {
  'libs/config/src/read.ts': 'the one reader',
  'libs/config/src/index.ts': 'loadConfig defaults to process.env',
  'services/destination/src/settings.ts': 'defaults to process.env, reads through readSetting',
  'libs/service/src/run-service.ts': 'removes secret variables from its own environment once read (no reads)',
  'libs/runtime/src/python-channel.ts': "the executor's own PATH, where python3 is looked up (the OS's)",
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'results') return [];
    if (statSync(path).isDirectory()) return sources(path);
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : [];
  });
}

describe('environment reads', () => {
  it('go through the settings schema outside a few stated places', () => {
    const offenders: string[] = [];
    for (const top of ['libs', 'services', 'scripts', 'test/harness', 'bench']) {
      for (const path of sources(join(ROOT, top))) {
        const file = relative(ROOT, path);
        if (file in OWN_ENV_READS || file.startsWith('bench/peers/') || file === 'bench/asyncfn/functions.ts')
          continue;
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(/process\.env(?:\.([A-Z][A-Z0-9_]*)|\[)/g))
          offenders.push(`${file}: ${m[0]}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('name settings that exist', () => {
    expect(Object.keys(SETTINGS).length).toBeGreaterThan(40);
    for (const [name, spec] of Object.entries(SETTINGS)) {
      expect(name).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(spec.meaning.length).toBeGreaterThan(5);
    }
  });
});
