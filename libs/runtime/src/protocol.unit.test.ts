import { describe, expect, it } from 'vitest';
import { describeExit } from './exit-reason.js';
import { parseChildMessage } from './protocol.js';

describe('parseChildMessage', () => {
  it('accepts well-formed messages', () => {
    const body = new Uint8Array([1, 2]);
    expect(parseChildMessage({ type: 'ready', pid: 7 })).toEqual({ type: 'ready', pid: 7 });
    expect(parseChildMessage({ type: 'result', requestId: 'r', body })).toEqual({
      type: 'result',
      requestId: 'r',
      body,
    });
    expect(
      parseChildMessage({ type: 'error', requestId: 'r', errorType: 'E', errorMessage: 'm', extra: 1 }),
    ).toEqual({
      type: 'error',
      requestId: 'r',
      errorType: 'E',
      errorMessage: 'm',
    });
    expect(parseChildMessage({ type: 'preStopDone', requestId: 'r' })).toEqual({
      type: 'preStopDone',
      requestId: 'r',
    });
    expect(
      parseChildMessage({
        type: 'preFreezeDone',
        requestId: 'r',
        error: { errorType: 'E', errorMessage: 'm' },
      }),
    ).toEqual({ type: 'preFreezeDone', requestId: 'r', error: { errorType: 'E', errorMessage: 'm' } });
  });

  it.each([
    null,
    42,
    'result',
    { type: 'ready' },
    { type: 'result', requestId: 'r', body: 'text' },
    { type: 'error', requestId: 'r', errorType: 'E' },
    { type: 'initialized' },
    { type: 'nonsense', requestId: 'r' },
  ])('drops %j', (raw) => {
    expect(parseChildMessage(raw)).toBeUndefined();
  });
});

describe('describeExit', () => {
  it.each([
    [1, null, '', 'Process exited with code 1'],
    [null, 'SIGKILL', '', 'Process was killed by signal SIGKILL'],
    [null, 'SIGABRT', '', 'Process ran out of memory (limit 128 MB)'],
    [134, null, '', 'Process ran out of memory (limit 128 MB)'],
    [
      1,
      null,
      'FATAL ERROR: Reached heap limit Allocation failed',
      'Process ran out of memory (limit 128 MB)',
    ],
  ] as const)('code %s signal %s → %s', (code, signal, tail, message) => {
    expect(describeExit(code, signal, tail, 128)).toBe(message);
  });
});
