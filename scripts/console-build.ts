import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './stack.js';

/*
 * The web console's bundle (console/dist) is built output, not in git: it is built when missing or
 * older than its sources (console/src, its config, the bundled examples/). `npm run up`, `npm
 * start` and the console's browser test call this, so a fresh checkout needs no extra step.
 */

const CONSOLE = join(ROOT, 'console');
const BUILT = join(CONSOLE, 'dist', 'index.html');
const SOURCES = [
  join(CONSOLE, 'src'),
  join(CONSOLE, 'index.html'),
  join(CONSOLE, 'vite.config.ts'),
  join(CONSOLE, 'package.json'),
  join(ROOT, 'examples'),
];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

export function consoleIsStale(): boolean {
  if (!existsSync(BUILT)) return true;
  const built = statSync(BUILT).mtimeMs;
  return SOURCES.some((source) => newestMtime(source) > built);
}

/** Builds the console if its bundle is missing or stale; returns whether it built. */
export function ensureConsoleBuilt(log: (line: string) => void = console.log): boolean {
  if (!consoleIsStale()) return false;
  log('building the web console (console/dist)…');
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
    {
      cwd: CONSOLE,
      stdio: 'inherit',
    },
  );
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) ensureConsoleBuilt();
