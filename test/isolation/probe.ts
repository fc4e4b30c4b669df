import {
  createInstancePool,
  type FunctionSpec,
  type InstancePool,
  type InvokeOutcome,
} from '@asyncfn/runtime';
import type { SandboxOptions } from '@asyncfn/runtime';
import { createSandbox, request, type Sandbox } from '../../libs/runtime/src/test-support.js';

/*
 * Adversarial functions for the isolation suite: each probe is a Node handler that tries
 * something and reports what happened ({ ok, code } per attempt), so a test asserts the precise
 * error (EACCES, ENOENT, ECONNREFUSED, ...) instead of "it threw".
 */

export interface Lab {
  box: Sandbox;
  pool: InstancePool;
  /** Deploys `source` as index.js for `tenant` and invokes it once with `payload`. */
  run(source: string, o?: RunOptions): Promise<InvokeOutcome>;
  /** Like run, parsing the JSON result of a succeeded invocation. */
  probe<T = Record<string, Attempt>>(source: string, o?: RunOptions): Promise<T>;
  close(): Promise<void>;
}

export interface RunOptions {
  tenant?: string;
  payload?: unknown;
  files?: Record<string, string>;
  spec?: Partial<FunctionSpec>;
}

export interface Attempt {
  ok: boolean;
  code?: string;
  value?: unknown;
}

/** Shared by probes: try(fn) → { ok, value } or { ok: false, code }. */
export const TRY = `
const attempt = (fn) => { try { return { ok: true, value: fn() }; } catch (e) { return { ok: false, code: e.code ?? e.name, message: e.message }; } };
const attemptAsync = async (fn) => { try { return { ok: true, value: await fn() }; } catch (e) { return { ok: false, code: e.code ?? e.name, message: e.message }; } };
const connect = (host, port, ms = 1500) => new Promise((resolve) => {
  const s = require('node:net').connect({ host, port });
  const done = (r) => { s.destroy(); clearTimeout(t); resolve(r); };
  const t = setTimeout(() => done({ ok: false, code: 'TIMEOUT' }), ms);
  s.once('connect', () => done({ ok: true }));
  s.once('error', (e) => done({ ok: false, code: e.code }));
});
`;

export async function openLab(sandbox: Partial<SandboxOptions> = {}): Promise<Lab> {
  const box = await createSandbox();
  const pool = createInstancePool({ idleTimeoutMs: 60_000, sandbox: { ...box.poolSandbox, ...sandbox } });
  const run = async (source: string, o: RunOptions = {}) => {
    const tenant = o.tenant ?? 'tenant-a';
    const spec = await box.deploy(
      { 'index.js': source, ...o.files },
      { key: `${tenant}/probe-${Math.random().toString(36).slice(2)}`, timeoutSeconds: 20, ...o.spec },
    );
    return pool.invoke(spec, request({ tenant, payload: Buffer.from(JSON.stringify(o.payload ?? {})) }));
  };
  return {
    box,
    pool,
    run,
    async probe<T>(source: string, o: RunOptions = {}) {
      const out = await run(source, o);
      if (out.kind !== 'succeeded')
        throw new Error(`probe did not succeed: ${JSON.stringify({ ...out, result: undefined })}`);
      return JSON.parse(out.result.toString()) as T;
    },
    async close() {
      await pool.shutdown();
      await box.cleanup();
    },
  };
}
