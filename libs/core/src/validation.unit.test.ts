import { describe, expect, it } from 'vitest';
import { ApiError } from '@asyncfn/contracts';
import { foreignFunctionArns, parseFunctionArn } from './destination-arn.js';
import { parseDelaySeconds, parseListTasksQuery, parseTaskId } from './query-validation.js';
import { ANY_TASK_ID, parseAsyncConfig, parseCreateFunction, parseFunctionName } from './validation.js';

const invalid = (fn: () => unknown, field: RegExp) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('InvalidArgument');
    expect((err as ApiError).message).toMatch(field);
    return;
  }
  throw new Error('expected an InvalidArgument error');
};

describe('validation', () => {
  it("task ids (FC's rule): letters, digits, _ and -, 1 to 128, starting with a letter or _", () => {
    expect(parseTaskId('a-B_9')).toBe('a-B_9');
    expect(parseTaskId('_9')).toBe('_9');
    expect(parseTaskId('x'.repeat(128))).toHaveLength(128);
    for (const bad of ['', 'x'.repeat(129), 'a b', 'a/b', 'ü', '9abc', '-abc'])
      invalid(() => parseTaskId(bad), /x-fc-async-task-id: .*starting with a letter or _/);
    // Ids asyncfn generates (request ids, chained tasks) may start with a digit.
    expect(parseTaskId('9abc', ANY_TASK_ID)).toBe('9abc');
  });

  it("function names (FC's rule): 1 to 64, not starting with a digit or -", () => {
    expect(parseFunctionName('f'.repeat(64))).toHaveLength(64);
    for (const bad of ['f'.repeat(65), '9f', '-f', 'a.b'])
      invalid(() => parseFunctionName(bad), /functionName: .*1-64 letters, digits, _ and -/);
  });

  it("destinations: FC's function ARNs and the schemes asyncfn delivers to; other acs: services named", () => {
    const put = (destination: string) =>
      parseAsyncConfig({ destinationConfig: { onSuccess: { destination } } }).destinationConfig?.onSuccess
        ?.destination;
    for (const ok of [
      'acs:fc:cn-hangzhou:default:functions/next',
      'acs:fc:local:default:functions/next/prod',
      'acs:fc:cn-hangzhou:123:functions/next/3',
      'acs:mns:cn-hangzhou:123:/queues/q1/messages',
    ])
      expect(put(ok)).toBe(ok);
    expect(parseFunctionArn('acs:fc:cn-hangzhou:123:functions/next/prod')).toEqual({
      region: 'cn-hangzhou',
      account: '123',
      functionName: 'next',
      qualifier: 'prod',
    });
    invalid(
      () => put('acs:eventbridge:cn-hangzhou:123:eventbus/default'),
      /acs:eventbridge .*acs:fc:.*nats:/,
    );
    invalid(() => put('acs:oss:cn-hangzhou:123:bucket'), /acs:oss destinations are not supported/);
    invalid(() => put('acs:fc:cn-hangzhou:123:services/s'), /not a function ARN/);
    expect(
      foreignFunctionArns({ onSuccess: { destination: 'acs:fc:r:other:functions/f' } }, 'default'),
    ).toEqual(['acs:fc:r:other:functions/f']);
    expect(
      foreignFunctionArns({ onFailure: { destination: 'acs:fc:r:default:functions/f' } }, 'default'),
    ).toEqual([]);
  });

  it('ranges: the message names the field and the rule', () => {
    const base = {
      functionName: 'f',
      runtime: 'nodejs20',
      handler: 'index.handler',
      code: { zipFile: 'UEsF' },
    };
    for (const memorySize of [64, 130, 32832])
      invalid(
        () => parseCreateFunction({ ...base, memorySize }),
        /memorySize: .*multiple of 64 from 128 to 32768/,
      );
    for (const timeout of [0, 86401, 1.5])
      invalid(
        () => parseCreateFunction({ ...base, timeout }),
        /timeout: an integer number of seconds, 1-86400/,
      );
    invalid(() => parseAsyncConfig({ maxAsyncRetryAttempts: 9 }), /maxAsyncRetryAttempts: an integer, 0-8/);
    invalid(
      () => parseAsyncConfig({ maxAsyncEventAgeInSeconds: 0 }),
      /maxAsyncEventAgeInSeconds: an integer number of seconds, 1-604800/,
    );
  });

  it('async config: FC ranges', () => {
    expect(parseAsyncConfig({ maxAsyncEventAgeInSeconds: 1, maxAsyncRetryAttempts: 0 })).toEqual({
      maxAsyncEventAgeInSeconds: 1,
      maxAsyncRetryAttempts: 0,
    });
    expect(parseAsyncConfig({ maxAsyncEventAgeInSeconds: 604800, maxAsyncRetryAttempts: 8 })).toBeTruthy();
    invalid(() => parseAsyncConfig({ maxAsyncEventAgeInSeconds: 0 }), /maxAsyncEventAgeInSeconds/);
    invalid(() => parseAsyncConfig({ maxAsyncEventAgeInSeconds: 604801 }), /maxAsyncEventAgeInSeconds/);
    invalid(() => parseAsyncConfig({ maxAsyncRetryAttempts: 9 }), /maxAsyncRetryAttempts/);
    invalid(() => parseAsyncConfig({ maxAsyncRetryAttempts: 1.5 }), /maxAsyncRetryAttempts/);
    invalid(
      () => parseAsyncConfig({ destinationConfig: { onFailure: { destination: 'smtp://x' } } }),
      /destinationConfig\.onFailure\.destination/,
    );
    for (const ok of [
      'nats:results.ok',
      'kafka:topic-1',
      'https://example.test/hook',
      'function:next_step',
    ]) {
      expect(
        parseAsyncConfig({ destinationConfig: { onSuccess: { destination: ok } } }).destinationConfig
          ?.onSuccess?.destination,
      ).toBe(ok);
    }
  });

  it('functions: runtime, handler, memory, code', () => {
    const zipFile = 'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==';
    expect(
      parseCreateFunction({
        functionName: 'f',
        runtime: 'nodejs20',
        handler: 'index.handler',
        code: { zipFile },
      }).functionName,
    ).toBe('f');
    invalid(
      () =>
        parseCreateFunction({
          functionName: '9f',
          runtime: 'nodejs20',
          handler: 'index.handler',
          code: { zipFile },
        }),
      /functionName/,
    );
    invalid(
      () => parseCreateFunction({ functionName: 'f', runtime: 'nodejs20', code: { zipFile } }),
      /handler/,
    );
    invalid(
      () => parseCreateFunction({ functionName: 'f', runtime: 'nodejs20', handler: 'index.handler' }),
      /code\.zipFile/,
    );
    invalid(
      () =>
        parseCreateFunction({
          functionName: 'f',
          runtime: 'nodejs20',
          handler: 'index.handler',
          memorySize: 100,
          code: { zipFile },
        }),
      /memorySize/,
    );
    invalid(
      () => parseCreateFunction({ functionName: 'f', runtime: 'custom', code: { zipFile } }),
      /customRuntimeConfig/,
    );
  });

  it('list queries: limit 1-100 default 20, status names including Processed', () => {
    expect(parseListTasksQuery({})).toEqual({ limit: 20, sortOrderByTime: 'desc', includePayload: false });
    expect(parseListTasksQuery({ status: 'Processed' }).status).toBe('Dequeued');
    expect(
      parseListTasksQuery({
        status: 'succeeded',
        limit: '100',
        includePayload: 'true',
        sortOrderByTime: 'asc',
      }),
    ).toMatchObject({ status: 'Succeeded', limit: 100, includePayload: true, sortOrderByTime: 'asc' });
    invalid(() => parseListTasksQuery({ limit: '0' }), /limit/);
    invalid(() => parseListTasksQuery({ limit: '101' }), /limit/);
    invalid(() => parseListTasksQuery({ status: 'Paused' }), /status/);
    invalid(() => parseListTasksQuery({ startedTimeBegin: 'yesterday' }), /startedTimeBegin/);
  });

  it('delay: 0-3600 seconds', () => {
    expect(parseDelaySeconds(undefined)).toBe(0);
    expect(parseDelaySeconds('3600')).toBe(3600);
    invalid(() => parseDelaySeconds('3601'), /x-fc-async-delay/);
    invalid(() => parseDelaySeconds('-1'), /x-fc-async-delay/);
  });
});
