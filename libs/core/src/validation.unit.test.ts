import { describe, expect, it } from 'vitest';
import { ApiError } from '@asyncfn/contracts';
import {
  parseAsyncConfig,
  parseCreateFunction,
  parseDelaySeconds,
  parseListTasksQuery,
  parseTaskId,
} from './validation.js';

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
  it('task ids: letters, digits, _ and -, 1 to 128', () => {
    expect(parseTaskId('a-B_9')).toBe('a-B_9');
    expect(parseTaskId('x'.repeat(128))).toHaveLength(128);
    for (const bad of ['', 'x'.repeat(129), 'a b', 'a/b', 'ü'])
      invalid(() => parseTaskId(bad), /x-fc-async-task-id/);
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
