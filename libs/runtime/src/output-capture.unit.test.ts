import { describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { captureOutput } from './instance-output.js';
import { createLineSplitter } from './line-splitter.js';
import { createLogBuffer } from './log-buffer.js';
import { OUTPUT_MARK_PREFIX } from './protocol.js';

describe('captureOutput', () => {
  const capture = () => {
    const child = { stdout: new PassThrough(), stderr: new PassThrough() };
    const logs = createLogBuffer();
    const idle: string[] = [];
    const output = captureOutput(child as unknown as ChildProcess, new Map([['r1', { logs }]]), (l) =>
      idle.push(l),
    );
    return { child, logs, idle, output };
  };
  const tick = () => new Promise((r) => setTimeout(r, 20));

  it('holds an answer until the marks it names are read, so the output before it is in the logs', async () => {
    const { child, logs, output } = capture();
    let settled = false;
    const after = output.afterMarks({ stdout: 1, stderr: 2 }, 10_000).then(() => (settled = true));
    child.stdout.write(`late line\n${OUTPUT_MARK_PREFIX}1\n`);
    await tick();
    expect(settled).toBe(false); // stderr's mark is not read yet
    child.stderr.write(`late warning\n${OUTPUT_MARK_PREFIX}2\n`);
    await after;
    expect(logs.text()).toBe('late line\nlate warning\n'); // marks are not output
  });

  it('answers at once for marks already read, and after the wait for marks that never come', async () => {
    const { child, output } = capture();
    child.stdout.write(`${OUTPUT_MARK_PREFIX}3\n`);
    await tick();
    await output.afterMarks({ stdout: 2 }, 10_000);
    await output.afterMarks(undefined, 10_000);
    const started = Date.now();
    await output.afterMarks({ stderr: 9 }, 50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});

describe('createLineSplitter', () => {
  it('joins lines split across chunks, strips \\r, keeps a partial line until flushed', () => {
    const lines: string[] = [];
    const s = createLineSplitter((l) => lines.push(l));
    s.push('he');
    s.push('llo\r\nwor');
    s.push('ld\n\ntail');
    expect(lines).toEqual(['hello', 'world', '']);
    s.flush();
    s.flush();
    expect(lines).toEqual(['hello', 'world', '', 'tail']);
  });

  it('emits an overlong unterminated line instead of growing without bound', () => {
    const lines: string[] = [];
    const s = createLineSplitter((l) => lines.push(l));
    s.push('x'.repeat(70 * 1024));
    expect(lines).toHaveLength(1);
  });
});

describe('createLogBuffer', () => {
  it('keeps lines up to the cap, then notes the truncation once', () => {
    const b = createLogBuffer(11);
    b.append('12345');
    b.append('6789');
    b.append('more');
    b.append('even more');
    expect(b.text()).toBe('12345\n6789\n[asyncfn] log output truncated at 11 bytes\n');
  });

  it('is empty text when nothing was written', () => {
    expect(createLogBuffer().text()).toBe('');
  });
});
