// Bundles the CLI (its dependencies and @asyncfn/auth included) into one ESM file, dist/asyncfn.js,
// so it starts fast and installs anywhere without tsx or the workspace. Run by `npm ci` (prepare),
// by `npm pack` (prepack), and by bin/asyncfn.js when the sources are newer than the bundle.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
export const BUNDLE = join(here, 'dist', 'asyncfn.js');

export async function build() {
  const result = await esbuild({
    entryPoints: [join(here, 'src', 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    legalComments: 'none',
    // Bundled CommonJS packages require() Node's built-ins.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'error',
  });
  mkdirSync(dirname(BUNDLE), { recursive: true });
  // Written aside and renamed: several CLIs started at once never read half a file.
  const tmp = `${BUNDLE}.${process.pid}.tmp`;
  writeFileSync(tmp, result.outputFiles[0].contents);
  renameSync(tmp, BUNDLE);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await build();
