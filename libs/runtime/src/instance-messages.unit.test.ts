import { describe, expect, it } from 'vitest';
import { createAnswerWaiters, replyOutcome } from './instance-messages.js';

describe('replyOutcome', () => {
  const base = { instanceId: 'i', durationMs: 1, logs: '' };
  it("is the invocation's own result or error", () => {
    const body = new Uint8Array([104, 105]);
    const ok = replyOutcome({ type: 'result', requestId: 'r', body }, true, base);
    expect(ok).toMatchObject({ kind: 'succeeded', coldStart: true, instanceId: 'i' });
    expect(ok.kind === 'succeeded' && ok.result.toString()).toBe('hi');
    expect(
      replyOutcome({ type: 'error', requestId: 'r', errorType: 'E', errorMessage: 'm' }, false, base),
    ).toEqual({ kind: 'failed', errorType: 'E', errorMessage: 'm', coldStart: false, ...base });
  });
});

describe('createAnswerWaiters', () => {
  it('resolves true on the answer, false on the timeout or once the process is gone', async () => {
    let gone = false;
    const waiters = createAnswerWaiters(() => gone);
    const answered = waiters.waitFor('preStop', 'a', 5000);
    waiters.answered('preFreeze', 'a');
    waiters.answered('preStop', 'a');
    expect(await answered).toBe(true);
    expect(await waiters.waitFor('reply', 'b', 5)).toBe(false);
    const released = waiters.waitFor('reply', 'c', 5000);
    gone = true;
    waiters.releaseAll();
    expect(await released).toBe(false);
    expect(await waiters.waitFor('reply', 'd', 5000)).toBe(false);
  });
});
