import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError, ExitCode } from './errors.js';

/**
 * Opens $VISUAL / $EDITOR (else vi) on `text` and returns what was saved. Like git, the editor
 * variable may hold arguments (`code --wait`): it is run by the shell with the file appended.
 */
export function editText(text: string, name = 'payload.json'): string {
  const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
  const dir = mkdtempSync(join(tmpdir(), 'asyncfn-edit-'));
  const file = join(dir, name);
  try {
    writeFileSync(file, text);
    const result = spawnSync('sh', ['-c', `${editor} "$1"`, 'editor', file], { stdio: 'inherit' });
    if (result.error || result.status !== 0) {
      throw new CliError(
        `the editor (${editor}) exited with ${result.status ?? result.error?.message}; nothing done`,
        ExitCode.Usage,
      );
    }
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
