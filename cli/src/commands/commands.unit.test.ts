import { describe, expect, it } from 'vitest';
import { bulkRequestBody } from '../bulk.js';
import { newLogText } from './logs.js';
import { invocationOf } from './invoke.js';

describe('invoke flags (asyncfn and `s invoke`)', () => {
  it('reads --async or --invocation-type Async, and the payload from --data, -e or -f', () => {
    expect(invocationOf({ data: 'x' })).toEqual({ async: false, payload: Buffer.from('x') });
    expect(invocationOf({ invocationType: 'Async', event: '{"a":1}' })).toEqual({
      async: true,
      payload: Buffer.from('{"a":1}'),
    });
    expect(invocationOf({ async: true, id: 'job-1', delay: '5' }).async).toBe(true);
    expect(invocationOf({}).payload.length).toBe(0);
  });
  it('refuses contradictions', () => {
    expect(() => invocationOf({ data: 'a', event: 'b' })).toThrow(/once/);
    expect(() => invocationOf({ invocationType: 'Later' })).toThrow(/Sync or Async/);
    expect(() => invocationOf({ id: 'x' })).toThrow(/apply to async/);
  });
});

describe('bulk filters from the command line', () => {
  it('become the API body, times as epoch ms', () => {
    const now = 1_000_000_000;
    expect(bulkRequestBody('Stop', { fn: 'f', status: 'Running', prefix: 'p', since: '10m' }, now)).toEqual({
      action: 'Stop',
      functionName: 'f',
      status: 'Running',
      prefix: 'p',
      startedTimeBegin: now - 600_000,
    });
    expect(bulkRequestBody('Rerun', {}, now)).toEqual({ action: 'Rerun' });
  });
});

describe('logs -f', () => {
  it('prints only what is new, also after the server dropped the oldest output', () => {
    expect(newLogText('', 'a\nb\n')).toBe('a\nb\n');
    expect(newLogText('a\nb\n', 'a\nb\nc\n')).toBe('c\n');
    expect(newLogText('a\nb\nc\n', 'b\nc\nd\n')).toBe('d\n');
    expect(newLogText('a\n', 'a\n')).toBe('');
  });
});
