import { describe, expect, it } from 'vitest';
import { createLineSplitter } from './line-splitter.js';
import { createLogBuffer } from './log-buffer.js';

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
