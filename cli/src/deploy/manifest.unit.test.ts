import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { applyFlags, loadSpecs } from './load.js';
import { parseManifest } from './manifest.js';

describe('asyncfn.yaml', () => {
  it('takes FC function fields, the code directory and the async config', () => {
    const spec = parseManifest(
      [
        'functionName: hello',
        'runtime: nodejs20',
        'handler: index.handler',
        'timeout: 30',
        'memorySize: 256',
        'environmentVariables: { GREETING: hi }',
        'code: ./src',
        'asyncInvokeConfig:',
        '  maxAsyncRetryAttempts: 2',
        '  destinationConfig:',
        '    onFailure: { destination: "nats:hello.failures" }',
      ].join('\n'),
      '/project',
    );
    expect(spec).toEqual({
      functionName: 'hello',
      codeDir: '/project/src',
      config: {
        runtime: 'nodejs20',
        handler: 'index.handler',
        timeout: 30,
        memorySize: 256,
        environmentVariables: { GREETING: 'hi' },
      },
      asyncInvokeConfig: {
        maxAsyncRetryAttempts: 2,
        destinationConfig: { onFailure: { destination: 'nats:hello.failures' } },
      },
      ignored: [],
    });
  });

  it('zips the manifest directory by default', () => {
    expect(parseManifest('functionName: a\nruntime: nodejs20\n', '/p').codeDir).toBe('/p');
  });

  it('refuses unknown fields, missing ones and bad YAML, naming them', () => {
    expect(() => parseManifest('functionName: a\nruntime: nodejs20\nmemory: 1\n', '/p')).toThrow(
      'asyncfn.yaml: unknown field memory',
    );
    expect(() => parseManifest('runtime: nodejs20\n', '/p')).toThrow(/functionName is required/);
    expect(() => parseManifest('functionName: a\n', '/p')).toThrow(/runtime is required/);
    expect(() => parseManifest('functionName: [a\n', '/p')).toThrow(UsageError);
    expect(() => parseManifest('- a\n- b\n', '/p')).toThrow(/expected a mapping/);
    expect(() =>
      parseManifest('functionName: a\nruntime: nodejs20\nasyncInvokeConfig: { qualifier: prod }\n', '/p'),
    ).toThrow(/only LATEST/);
  });

  it('lets flags override the manifest, for one function only', () => {
    const spec = parseManifest('functionName: a\nruntime: nodejs20\ntimeout: 3\n', '/p');
    const [out] = applyFlags([spec], { name: 'b', timeout: 60, handler: 'main.run' });
    expect(out).toMatchObject({
      functionName: 'b',
      config: { runtime: 'nodejs20', timeout: 60, handler: 'main.run' },
    });
    expect(() => applyFlags([spec, spec], { timeout: 1 })).toThrow(/several functions/);
    expect(applyFlags([spec, spec], {})).toHaveLength(2);
  });
});

describe("the examples' manifests", () => {
  it('are valid asyncfn.yaml (or Serverless Devs s.yaml) files', () => {
    const examples = new URL('../../../examples/', import.meta.url);
    for (const name of readdirSync(examples)) {
      const dir = new URL(`${name}/`, examples);
      const specs = loadSpecs(dir.pathname, {}, {});
      expect(specs.length, name).toBeGreaterThan(0);
      for (const spec of specs)
        expect(spec.codeDir.startsWith(dir.pathname.replace(/\/$/, '')), name).toBe(true);
    }
  });
});
