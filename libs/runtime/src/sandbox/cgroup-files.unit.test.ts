import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openFiles } from './cgroup-files.js';

const dir = mkdtempSync(join(tmpdir(), 'cgroup-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openFiles', () => {
  it('reads a file afresh each time through the one descriptor, and writes it', () => {
    const path = join(dir, 'cpu.stat');
    writeFileSync(path, 'usage_usec 10\n');
    const files = openFiles();
    expect(files.read(path)).toBe('usage_usec 10\n');
    writeFileSync(path, 'usage_usec 2000\n');
    expect(files.read(path)).toBe('usage_usec 2000\n');
    expect(files.write(path, '0')).toBe(true);
    expect(readFileSync(path, 'utf8').startsWith('0')).toBe(true);
    files.close();
  });

  it('answers nothing for a file that is not there, and does not look again', () => {
    const path = join(dir, 'memory.peak');
    const files = openFiles();
    expect(files.read(path)).toBeUndefined();
    expect(files.write(path, 'reset')).toBe(false);
    writeFileSync(path, '5\n');
    expect(files.read(path)).toBeUndefined();
    files.close();
  });
});
