import { describe, expect, it } from 'vitest';
import type { AsyncTaskView } from '@asyncfn/contracts';
import {
  FUNCTION_NAME,
  fc2AsyncConfigBody,
  fc2FunctionBody,
  fc2FunctionName,
  fc2ListInvocationsQuery,
  isFc2FunctionName,
  parseFc2FunctionName,
  parseServiceName,
  statefulInvocationView,
} from './index.js';

describe('FC 2.0 names on 3.0 functions', () => {
  it('maps a service/function pair to a valid 3.0 name and back, whatever _ and - they hold', () => {
    for (const [s, f] of [
      ['video', 'transcode'],
      ['a_b', 'c'],
      ['a', 'b_c'],
      ['svc-1', '_x-y_'],
    ] as const) {
      const name = fc2FunctionName(s, f);
      expect(FUNCTION_NAME.test(name)).toBe(true);
      expect(isFc2FunctionName(name)).toBe(true);
      expect(parseFc2FunctionName(name)).toEqual({ serviceName: s, functionName: f });
    }
    expect(fc2FunctionName('a_b', 'c')).not.toBe(fc2FunctionName('a', 'b_c'));
  });

  it('refuses pairs too long for a 3.0 name and names that are not names', () => {
    expect(() => fc2FunctionName('s'.repeat(100), 'f'.repeat(30))).toThrow(/together at most/);
    expect(() => fc2FunctionName('svc', '1bad')).toThrow(/not a valid function name/);
    expect(() => parseServiceName('bad name')).toThrow();
    expect(parseServiceName('svc.LATEST')).toBe('svc');
  });

  it('tells plain 3.0 names apart', () => {
    expect(isFc2FunctionName('hello')).toBe(false);
    expect(isFc2FunctionName('fc2_hello')).toBe(false);
    expect(parseFc2FunctionName('fc2_9_abc_d')).toBeUndefined();
  });
});

describe('FC 2.0 bodies and views', () => {
  it('turns initializer / initializationTimeout into the lifecycle hook, and refuses OSS code', () => {
    expect(
      fc2FunctionBody(
        { functionName: 'f', runtime: 'nodejs20', initializer: 'index.init', initializationTimeout: 7 },
        'm',
      ),
    ).toEqual({
      functionName: 'm',
      runtime: 'nodejs20',
      instanceLifecycleConfig: { initializer: { handler: 'index.init', timeout: 7 } },
    });
    expect(() => fc2FunctionBody({ code: { ossBucketName: 'b', ossObjectName: 'o' } })).toThrow(/OSS/);
  });

  it('statefulInvocation is asyncTask; invocationIdPrefix is prefix', () => {
    expect(fc2AsyncConfigBody({ statefulInvocation: true, maxAsyncRetryAttempts: 1 })).toEqual({
      asyncTask: true,
      maxAsyncRetryAttempts: 1,
    });
    expect(fc2ListInvocationsQuery({ invocationIdPrefix: 'a-', limit: '5' })).toEqual({
      prefix: 'a-',
      limit: '5',
    });
  });

  it("a task in 2.0's StatefulAsyncInvocation shape", () => {
    const task: AsyncTaskView = {
      taskId: 't1',
      status: 'Failed',
      requestId: 'r1',
      functionArn: 'arn',
      qualifier: 'LATEST',
      startedTime: 1000,
      endTime: 1500,
      durationMs: 500,
      alreadyRetriedTimes: 1,
      taskErrorMessage: 'boom',
      taskPayload: 'in',
      invokeCount: 2,
      events: [{ eventId: 1, status: 'Enqueued', timestamp: 1000, eventDetail: '' }],
    };
    expect(statefulInvocationView(task, { serviceName: 's', functionName: 'f' })).toEqual({
      invocationId: 't1',
      serviceName: 's',
      functionName: 'f',
      qualifier: 'LATEST',
      status: 'Failed',
      requestId: 'r1',
      startedTime: 1000,
      endTime: 1500,
      durationMs: 500,
      alreadyRetriedTimes: 1,
      invocationErrorMessage: 'boom',
      invocationPayload: 'in',
      events: task.events,
    });
  });
});
