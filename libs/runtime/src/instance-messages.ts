/**
 * The instance's side of the conversation with its process (`protocol.ts`): the messages it
 * sends for an invocation, what an answer means, and waiting (bounded) for an answer.
 */
import type { ChildMessage, ParentMessage } from './protocol.js';
import type { InvokeOutcome, InvokeRequest, OutcomeCommon } from './types.js';

export function invokeMessage(req: InvokeRequest): ParentMessage {
  return {
    type: 'invoke',
    requestId: req.requestId,
    attempt: req.attempt,
    payload: req.payload,
    tenant: req.tenant,
    ...(req.taskId !== undefined ? { taskId: req.taskId } : {}),
    ...(req.traceparent !== undefined ? { traceparent: req.traceparent } : {}),
  };
}

export type Reply = Extract<ChildMessage, { type: 'result' | 'error' }>;

/** The outcome an invocation's own answer gives it. */
export function replyOutcome(msg: Reply, coldStart: boolean, base: OutcomeCommon): InvokeOutcome {
  return msg.type === 'result'
    ? { kind: 'succeeded', result: toBuffer(msg.body), coldStart, ...base }
    : {
        kind: 'failed',
        errorType: msg.errorType,
        errorMessage: msg.errorMessage,
        coldStart,
        ...base,
      };
}

/** What the instance waits for: an invocation's answer, or a hook's end. */
export type Awaited = 'reply' | 'preStop' | 'preFreeze';

export interface AnswerWaiters {
  /** Resolves true when the answer came, false when `ms` passed first (or the process is gone). */
  waitFor(what: Awaited, requestId: string, ms: number): Promise<boolean>;
  /** The process answered (a message of the awaited kind for this request). */
  answered(what: Awaited, requestId: string): void;
  /** The process is gone: every wait ends now. */
  releaseAll(): void;
}

/** `isGone` is asked when a wait begins and when it ends: a gone process has answered nothing. */
export function createAnswerWaiters(isGone: () => boolean): AnswerWaiters {
  const waiters = new Map<string, () => void>();
  const keyOf = (what: Awaited, requestId: string) => `${what}:${requestId}`;
  return {
    waitFor(what, requestId, ms) {
      if (isGone()) return Promise.resolve(false);
      const key = keyOf(what, requestId);
      return new Promise<boolean>((resolve) => {
        const done = (answered: boolean): void => {
          clearTimeout(timer);
          waiters.delete(key);
          resolve(answered);
        };
        const timer = setTimeout(() => done(false), ms);
        waiters.set(key, () => done(!isGone()));
      });
    },
    answered(what, requestId) {
      waiters.get(keyOf(what, requestId))?.();
    },
    releaseAll() {
      for (const done of [...waiters.values()]) done();
    },
  };
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
