/**
 * What the function sandbox costs (issue 16): the cold start of one instance and a warm
 * invocation, with the sandbox (bubblewrap, cgroups, pasta) and without (ASYNCFN_SANDBOX=none),
 * for a Node function (with and without internetAccess) and a custom runtime (Python). The instance pool alone, no services, so the
 * figures are the sandbox's difference and nothing else; modes alternate run by run, so a busy
 * machine slows both alike. Needs root (the sandbox does).
 *
 *   npm run bench:cold-start [-- --runs 20 --warm 200]
 *
 * Prints a Markdown table (median, p95 in ms) and writes bench/results/cold-start.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createInstancePool, type FunctionSpec, type InstancePool } from '@asyncfn/runtime';
import { createSandbox, request } from '../libs/runtime/src/test-support.js';
import { summarize, type LatencySummary } from './lib/stats.js';

const { values: args } = parseArgs({
  options: { runs: { type: 'string', default: '20' }, warm: { type: 'string', default: '200' } },
});
const RUNS = Number(args.runs);
const WARM = Number(args.warm);

const NODE_FN = { 'index.js': `exports.handler = async (event) => event;` };
const PYTHON_FN = {
  'server.py': readFileSync(new URL('../test/fixtures/custom-python/server.py', import.meta.url), 'utf8'),
};
const kinds = {
  node: { files: NODE_FN, spec: {} as Partial<FunctionSpec> },
  // No network: a sandbox without pasta (unsandboxed, the same as node).
  'node offline': { files: NODE_FN, spec: { internetAccess: false } as Partial<FunctionSpec> },
  python: {
    files: PYTHON_FN,
    spec: {
      runtime: 'custom.debian12',
      customRuntime: { command: ['python3', '-u', 'server.py'] },
    } as Partial<FunctionSpec>,
  },
};
type Kind = keyof typeof kinds;
type Mode = 'bwrap' | 'none';

const box = await createSandbox();
const pools: Record<Mode, InstancePool> = {
  bwrap: createInstancePool({ idleTimeoutMs: 600_000, sandbox: { mode: 'bwrap' } }),
  none: createInstancePool({ idleTimeoutMs: 600_000, sandbox: { mode: 'none' } }),
};

async function timed(pool: InstancePool, spec: FunctionSpec): Promise<number> {
  const t0 = performance.now();
  const out = await pool.invoke(spec, request({ payload: Buffer.from('ping') }));
  if (out.kind !== 'succeeded')
    throw new Error(`${spec.runtime}: ${JSON.stringify({ ...out, result: undefined })}`);
  return performance.now() - t0;
}

const cold: Record<string, number[]> = {};
const warm: Record<string, number[]> = {};
try {
  for (const kind of Object.keys(kinds) as Kind[]) {
    for (let run = 0; run < RUNS; run += 1) {
      for (const mode of ['bwrap', 'none'] as Mode[]) {
        // A new version each time: a fresh instance (the previous one is retired once idle).
        const spec = await box.deploy(kinds[kind].files, {
          key: `bench/${kind}-${mode}`,
          ...kinds[kind].spec,
        });
        (cold[`${kind} ${mode}`] ??= []).push(await timed(pools[mode], spec));
      }
    }
    const warmSpecs = {} as Record<Mode, FunctionSpec>;
    for (const mode of ['bwrap', 'none'] as Mode[]) {
      warmSpecs[mode] = await box.deploy(kinds[kind].files, {
        key: `bench/${kind}-warm-${mode}`,
        ...kinds[kind].spec,
      });
      await timed(pools[mode], warmSpecs[mode]);
    }
    // Alternating too, so a burst of load elsewhere hits both modes.
    for (let i = 0; i < WARM; i += 1) {
      for (const mode of ['bwrap', 'none'] as Mode[]) {
        (warm[`${kind} ${mode}`] ??= []).push(await timed(pools[mode], warmSpecs[mode]));
      }
    }
  }
} finally {
  await Promise.all([pools.bwrap.shutdown(), pools.none.shutdown()]);
  await box.cleanup();
}

const rows: { what: string; sandbox: LatencySummary; none: LatencySummary }[] = [];
for (const kind of Object.keys(kinds) as Kind[]) {
  rows.push({
    what: `${kind} cold start`,
    sandbox: summarize(cold[`${kind} bwrap`]!),
    none: summarize(cold[`${kind} none`]!),
  });
  rows.push({
    what: `${kind} warm invoke`,
    sandbox: summarize(warm[`${kind} bwrap`]!),
    none: summarize(warm[`${kind} none`]!),
  });
}
const ms = (n: number) => n.toFixed(n < 10 ? 2 : 0);
console.log(`\n${RUNS} cold starts and ${WARM} warm invocations per row; ms (median / p95)\n`);
console.log('| | sandbox | no sandbox | median difference |');
console.log('| --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.what} | ${ms(r.sandbox.p50)} / ${ms(r.sandbox.p95)} | ${ms(r.none.p50)} / ${ms(r.none.p95)} | ${ms(r.sandbox.p50 - r.none.p50)} |`,
  );
}
const dir = new URL('./results/', import.meta.url).pathname;
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, 'cold-start.json'),
  JSON.stringify({ at: new Date().toISOString(), runs: RUNS, warm: WARM, rows }, null, 2),
);
