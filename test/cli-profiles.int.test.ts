import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startStack, type Stack } from '../scripts/stack.js';
import { cliHome, runCli } from './harness/cli.js';
import { serverUrls, testNames } from './harness/env.js';

/*
 * Where the CLI connects and as whom: ~/.asyncfn/config profiles, the environment, and what it
 * says when the endpoint is away or the key is wrong. Only the ingress runs: listing functions
 * needs nothing else.
 */

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    namespace: testNames('cliprof').namespace,
    portBase: 19950,
    env: { ...serverUrls().env },
    services: ['ingress'],
  });
  const res = await runCli(['deploy', join(ROOT, 'test', 'fixtures', 'cli', 'hello')], {
    env: { HOME: cliHome(), ASYNCFN_ENDPOINT: stack.ingressUrl },
  });
  expect(res.code, res.stderr).toBe(0);
});

afterAll(async () => {
  await stack?.stopAll();
});

describe('asyncfn profiles', () => {
  it('takes credentials from a profile or the environment', async () => {
    const profileHome = cliHome();
    mkdirSync(join(profileHome, '.asyncfn'));
    writeFileSync(
      join(profileHome, '.asyncfn', 'config'),
      [
        '[default]',
        `endpoint = http://127.0.0.1:${stack.ports.ingress + 99}`, // nothing listens there
        'access_key_id = LTAIasyncfnLocalKey',
        'access_key_secret = asyncfnLocalSecret',
        '',
        '[profile local]',
        `endpoint = ${stack.ingressUrl}`,
        'access_key_id = LTAIasyncfnLocalKey',
        'access_key_secret = asyncfnLocalSecret',
        '',
        '[wrong]',
        `endpoint = ${stack.ingressUrl}`,
        'access_key_id = LTAIasyncfnLocalKey',
        'access_key_secret = not-the-secret',
      ].join('\n'),
    );
    const env = { HOME: profileHome, ASYNCFN_ENDPOINT: undefined };
    const viaProfile = await runCli(['--profile', 'local', 'functions', 'ls'], { env });
    expect(viaProfile.code, viaProfile.stderr).toBe(0);
    expect(viaProfile.stdout).toMatch(/^hello\s/m);
    const viaEnvProfile = await runCli(['functions', 'ls'], { env: { ...env, ASYNCFN_PROFILE: 'local' } });
    expect(viaEnvProfile.code).toBe(0);
    const unreachable = await runCli(['functions', 'ls'], { env });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toBe(
      `asyncfn: cannot reach http://127.0.0.1:${stack.ports.ingress + 99} (ECONNREFUSED); is asyncfn running? (npm run up)\n`,
    );
    const wrong = await runCli(['--profile', 'wrong', 'functions', 'ls'], { env });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^asyncfn: SignatureNotMatch/);
    expect(wrong.stderr).not.toMatch(/not-the-secret/);
    const unknown = await runCli(['--profile', 'staging', 'functions', 'ls'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no profile 'staging'/);
    // The environment wins over the file.
    const fromEnv = await runCli(['functions', 'ls'], {
      env: { ...env, ASYNCFN_ENDPOINT: stack.ingressUrl },
    });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
  });
});
