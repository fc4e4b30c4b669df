import { describe, expect, it } from 'vitest';
import {
  beforeKill,
  initializationFailed,
  initializeMessage,
  initTimeoutMessage,
  initTimeoutSeconds,
  onIdle,
} from './instance-hooks.js';
import type { FunctionSpec, InvokeRequest } from './types.js';

const spec: FunctionSpec = {
  key: 't/f',
  versionId: '1',
  codeDir: '/code',
  runtime: 'nodejs20',
  handler: 'index.handler',
  timeoutSeconds: 10,
  memorySizeMB: 256,
  instanceConcurrency: 1,
  environmentVariables: {},
};
const first: InvokeRequest = {
  requestId: 'req-1',
  attempt: 1,
  payload: Buffer.from(''),
  tenant: 't',
  functionName: 'f',
};
const hooked: FunctionSpec = {
  ...spec,
  initializer: { handler: 'index.init', timeoutSeconds: 3 },
  preFreeze: { handler: 'index.freeze', timeoutSeconds: 2 },
  preStop: { handler: 'index.stop', timeoutSeconds: 4 },
};

describe('initializeMessage', () => {
  it('names only the hooks the function has, and the cold start request', () => {
    expect(initializeMessage(spec, first)).toEqual({
      type: 'initialize',
      requestId: 'req-1',
      handler: 'index.handler',
      function: { name: 'f', handler: 'index.handler', memory: 256, timeout: 10 },
      tenant: 't',
    });
    expect(initializeMessage(hooked, { ...first, traceparent: '00-a-b-01' })).toMatchObject({
      initializer: 'index.init',
      preFreeze: 'index.freeze',
      preStop: 'index.stop',
      traceparent: '00-a-b-01',
    });
  });
});

describe('initialization timeout', () => {
  it("is the initializer's, else the function's", () => {
    expect(initTimeoutSeconds(hooked)).toBe(3);
    expect(initTimeoutSeconds(spec)).toBe(10);
    expect(initTimeoutMessage(hooked)).toBe("Initializer 'index.init' timed out after 3 seconds");
    expect(initTimeoutMessage(spec)).toBe('Loading the handler timed out after 10 seconds');
  });

  it('fails every waiting invocation as a cold start', () => {
    const base = { instanceId: 'i', durationMs: 1, logs: '' };
    expect(initializationFailed('boom', base)).toEqual({
      kind: 'failed',
      errorType: 'InitializationError',
      errorMessage: 'boom',
      coldStart: true,
      ...base,
    });
  });
});

describe('onIdle', () => {
  it('runs preFreeze when there is one, else rests', () => {
    expect(onIdle(hooked)).toEqual({ kind: 'preFreeze', handler: 'index.freeze', timeoutSeconds: 2 });
    expect(onIdle(spec)).toEqual({ kind: 'rest' });
  });
});

describe('beforeKill', () => {
  it('runs preStop, bounded by its timeout, on an initialised instance that has one', () => {
    expect(beforeKill(hooked, { preStopId: 'p', graceFor: 'g' }, true, 200)).toEqual({
      kind: 'preStop',
      requestId: 'p',
      waitMs: 4000,
    });
  });

  it('otherwise gives the invocation asked to end its grace period, or nothing', () => {
    expect(beforeKill(hooked, { preStopId: 'p', graceFor: 'g' }, false, 200)).toEqual({
      kind: 'grace',
      requestId: 'g',
      waitMs: 200,
    });
    expect(beforeKill(spec, { preStopId: 'p', graceFor: 'g' }, true, 200)).toMatchObject({ kind: 'grace' });
    expect(beforeKill(spec, { preStopId: 'p' }, true, 200)).toEqual({ kind: 'nothing' });
    expect(beforeKill(hooked, {}, true, 200)).toEqual({ kind: 'nothing' });
  });
});
