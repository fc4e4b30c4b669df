import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../scripts/stack.js';

export const CLI_BIN = join(ROOT, 'cli', 'bin', 'asyncfn.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A HOME of its own, so no ~/.asyncfn/config of the machine's user takes part. */
export const cliHome = () => mkdtempSync(join(tmpdir(), 'asyncfn-cli-home-'));

/**
 * Runs the CLI as a user would, as a child process (`node cli/bin/asyncfn.js`, what `npx asyncfn`
 * runs; `npx: true` goes through npx itself). stdin is a pipe, not a terminal: no prompts, no bars.
 */
export function runCli(
  args: string[],
  options: {
    env?: Record<string, string | undefined>;
    input?: string;
    npx?: boolean;
    timeoutMs?: number;
  } = {},
): Promise<CliResult> {
  const [cmd, argv] = options.npx
    ? ['npx', ['--no-install', 'asyncfn', ...args]]
    : [process.execPath, [CLI_BIN, ...args]];
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...options.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, argv as string[], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
