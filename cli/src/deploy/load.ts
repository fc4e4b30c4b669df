import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { MANIFEST_FILE, parseManifest } from './manifest.js';
import { S_YAML_FILES, parseSYaml } from './s-yaml.js';
import type { FunctionSpec } from './spec.js';

export interface DeployFlags {
  template?: string;
  name?: string;
  runtime?: string;
  handler?: string;
  timeout?: number;
  memorySize?: number;
}

/**
 * The functions `deploy <dir>` deploys: from -t FILE, else asyncfn.yaml, else s.yaml in the
 * directory, else from flags alone (--name and --runtime, the directory as code). Flags override
 * the manifest's values (with one function only).
 */
export function loadSpecs(
  target: string,
  flags: DeployFlags,
  env: Record<string, string | undefined>,
): FunctionSpec[] {
  const dir = resolve(target);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${target} is not a directory`);
  const file = flags.template
    ? resolve(dir, flags.template)
    : [MANIFEST_FILE, ...S_YAML_FILES].map((f) => join(dir, f)).find((f) => existsSync(f));
  let specs: FunctionSpec[];
  if (file) {
    if (!existsSync(file)) throw new UsageError(`${flags.template}: no such file`);
    const text = readFileSync(file, 'utf8');
    specs =
      S_YAML_FILES.includes(basename(file)) || /^\s*edition:/m.test(text)
        ? parseSYaml(text, dirname(file), env)
        : [parseManifest(text, dirname(file))];
  } else {
    if (!flags.name || !flags.runtime) {
      throw new UsageError(
        `no ${MANIFEST_FILE} or s.yaml in ${target}: give --name and --runtime (and --handler)`,
      );
    }
    specs = [{ functionName: flags.name, codeDir: dir, config: {}, ignored: [] }];
  }
  return applyFlags(specs, flags);
}

/** Pure: flags over the manifest's values. */
export function applyFlags(specs: FunctionSpec[], flags: DeployFlags): FunctionSpec[] {
  const overrides = {
    ...(flags.runtime !== undefined ? { runtime: flags.runtime } : {}),
    ...(flags.handler !== undefined ? { handler: flags.handler } : {}),
    ...(flags.timeout !== undefined ? { timeout: flags.timeout } : {}),
    ...(flags.memorySize !== undefined ? { memorySize: flags.memorySize } : {}),
  };
  if (specs.length > 1 && (flags.name !== undefined || Object.keys(overrides).length)) {
    throw new UsageError(
      'the manifest has several functions: --name, --runtime, --handler, --timeout and --memory-size apply to one',
    );
  }
  return specs.map((s) => ({
    ...s,
    ...(flags.name !== undefined ? { functionName: flags.name } : {}),
    config: { ...s.config, ...overrides },
  }));
}
