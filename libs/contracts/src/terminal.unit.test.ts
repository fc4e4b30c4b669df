import { describe, expect, it } from 'vitest';
import { TERMINAL_MAX_COLS, parseTerminalControl } from './terminal.js';

describe('parseTerminalControl', () => {
  it('takes a resize within bounds', () => {
    expect(parseTerminalControl('{"type":"resize","cols":120,"rows":40}')).toEqual({
      type: 'resize',
      cols: 120,
      rows: 40,
    });
  });

  it('ignores anything else: other types, bad numbers, out of bounds, not JSON', () => {
    for (const text of [
      '{"type":"exec","cols":1,"rows":1}',
      '{"type":"resize","cols":0,"rows":40}',
      '{"type":"resize","cols":80.5,"rows":40}',
      `{"type":"resize","cols":${TERMINAL_MAX_COLS + 1},"rows":40}`,
      '{"type":"resize","cols":"80","rows":40}',
      'null',
      'not json',
    ])
      expect(parseTerminalControl(text), text).toBeUndefined();
  });
});
