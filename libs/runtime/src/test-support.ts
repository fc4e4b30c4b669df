/** Helpers for this package's integration tests: deploy an in-memory function, build requests. */
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unpackCode, zipFiles } from './code-cache.js';
import type { SandboxOptions } from './sandbox/options.js';
import { expect } from 'vitest';
import type { FunctionSpec, InstancePool, InvokeOutcome, InvokeRequest } from './types.js';

export interface Sandbox {
  root: string;
  /** A directory sandboxed functions may write to (marker files the test reads). */
  markers: string;
  /** The pool's sandbox options that make `markers` writable inside every instance. */
  poolSandbox: Partial<SandboxOptions>;
  /** Zips `files`, unpacks them as a new version and returns a spec for it. */
  deploy(files: Record<string, string>, overrides?: Partial<FunctionSpec>): Promise<FunctionSpec>;
  cleanup(): Promise<void>;
}

export async function createSandbox(): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), 'asyncfn-runtime-'));
  // Sandboxed instances open their code dir as their tenant's uid: let them through (not list).
  await chmod(root, 0o711);
  const markers = join(root, 'markers');
  await mkdir(markers);
  await chmod(markers, 0o777);
  return {
    root,
    markers,
    poolSandbox: { writableBinds: [markers] },
    async deploy(files, overrides = {}) {
      const versionId = overrides.versionId ?? `v-${randomUUID()}`;
      const codeDir = await unpackCode(zipFiles(files), join(root, 'code'), versionId);
      return {
        key: 'tenant-a/fn',
        versionId,
        codeDir,
        runtime: 'nodejs20',
        handler: 'index.handler',
        timeoutSeconds: 10,
        memorySizeMB: 128,
        instanceConcurrency: 1,
        environmentVariables: {},
        ...overrides,
      };
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

export function request(overrides: Partial<InvokeRequest> = {}): InvokeRequest {
  return {
    requestId: `req-${randomUUID()}`,
    attempt: 1,
    payload: Buffer.from('{}'),
    tenant: 'tenant-a',
    functionName: 'fn',
    ...overrides,
  };
}

/** Polls `check` until it holds (for effects that happen after an outcome, e.g. instance teardown). */
export async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A new file in `box.markers` that a function appends lines to (`MARKER`), and its lines so far. */
export function markerFile(box: Sandbox): { path: string; lines(): Promise<string[]> } {
  const path = join(box.markers, `marker-${Math.random().toString(36).slice(2)}`);
  return {
    path,
    lines: async () => (await readFile(path, 'utf8').catch(() => '')).split('\n').filter(Boolean),
  };
}

/** Deploys `files` with a new marker file in `MARKER`; `hooks()` reads the lines written to it. */
export async function deployWithMarker(
  box: Sandbox,
  files: Record<string, string>,
  overrides: Partial<FunctionSpec>,
): Promise<{ spec: FunctionSpec; hooks: () => Promise<string[]> }> {
  const marker = markerFile(box);
  const spec = await box.deploy(files, {
    ...overrides,
    environmentVariables: { MARKER: marker.path, ...overrides.environmentVariables },
  });
  return { spec, hooks: marker.lines };
}

/** Asserts the outcome's kind (showing the whole outcome when it differs) and narrows it. */
export function expectKind<K extends InvokeOutcome['kind']>(
  outcome: InvokeOutcome,
  kind: K,
): Extract<InvokeOutcome, { kind: K }> {
  expect(outcome, JSON.stringify({ ...outcome, result: undefined })).toMatchObject({ kind });
  return outcome as Extract<InvokeOutcome, { kind: K }>;
}

/**
 * Once an instance of `pool` is busy (and its handler has had 100 ms to get going), aborts
 * `controller`: the running invocation's outcome and how long the stop took.
 */
export async function stopOnceBusy(
  pool: InstancePool,
  controller: AbortController,
  running: Promise<InvokeOutcome>,
  busyWithinMs = 5000,
): Promise<{ outcome: InvokeOutcome; stopMs: number }> {
  await until(() => pool.list().some((i) => i.status === 'busy'), busyWithinMs);
  await new Promise((r) => setTimeout(r, 100));
  const t0 = Date.now();
  controller.abort();
  const outcome = await running;
  return { outcome, stopMs: Date.now() - t0 };
}
