#!/usr/bin/env node
// The `asyncfn` command. Runs the bundle (dist/asyncfn.js); in a checkout (src/ present) it first
// rebuilds the bundle if a source file is newer, so `npx asyncfn` always runs the current code.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(root, 'dist', 'asyncfn.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

const sources = [join(root, 'src'), join(root, '..', 'libs', 'auth', 'src')].filter((d) => existsSync(d));
if (existsSync(join(root, 'src'))) {
  const built = existsSync(bundle) ? statSync(bundle).mtimeMs : 0;
  if (Math.max(...sources.map(newestMtime)) > built) {
    const { build } = await import('../build.mjs');
    await build();
  }
}
await import(new URL(`file://${bundle}`).href);
