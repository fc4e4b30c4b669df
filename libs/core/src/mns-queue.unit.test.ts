import { describe, expect, it } from 'vitest';
import { ApiError } from '@asyncfn/contracts';
import { parseMnsQueueArn, parseQueueName, parseReceiveQuery } from './mns-queue.js';
import { parseAsyncConfig, parseCreateFunction } from './validation.js';

const invalid = (fn: () => unknown, message: RegExp) => {
  expect(fn).toThrow(ApiError);
  expect(fn).toThrow(message);
};

describe('MNS queue ARNs', () => {
  it("name the queue; region and account (or the guide's placeholders) are ignored", () => {
    for (const arn of [
      'acs:mns:cn-hangzhou:1034354682:/queues/my-queue/messages',
      'acs:mns:${vars.region}:{accountid}:/queues/my-queue/messages',
      'acs:mns:::/queues/my-queue/messages',
    ]) {
      expect(parseMnsQueueArn(arn), arn).toEqual({ ok: true, queueName: 'my-queue' });
    }
  });

  it('say why they name no queue', () => {
    expect(parseMnsQueueArn('acs:mns:r:a:/topics/t/messages')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/topics are not supported/),
    });
    expect(parseMnsQueueArn('acs:mns:r:a:/queues/_q/messages')).toMatchObject({ ok: false });
    expect(parseMnsQueueArn(`acs:mns:r:a:/queues/${'q'.repeat(121)}/messages`)).toMatchObject({ ok: false });
    expect(parseMnsQueueArn('acs:mns:r:a:/queues/q/messages/x')).toMatchObject({ ok: false });
    expect(parseMnsQueueArn('acs:mns:r:/queues/q/messages')).toMatchObject({ ok: false });
    expect(parseMnsQueueArn(`acs:mns:r:a:/queues/${'q'.repeat(120)}/messages`)).toMatchObject({ ok: true });
  });

  it('are accepted in destinationConfig; topics and bad queue names are refused', () => {
    const config = (destination: string) =>
      parseAsyncConfig({ destinationConfig: { onFailure: { destination } } });
    const ok = 'acs:mns:cn-hangzhou:{accountid}:/queues/my-queue/messages';
    expect(config(ok).destinationConfig?.onFailure?.destination).toBe(ok);
    for (const bad of [
      'acs:mns:cn-hangzhou:1:/topics/t/messages',
      'acs:mns:cn-hangzhou:1:/queues/9q/messages',
      'acs:mns:cn hangzhou:1:/queues/q/messages',
    ]) {
      invalid(() => config(bad), /destinationConfig\.onFailure\.destination: must be .*acs:mns/);
    }
  });
});

describe('receiving from a queue', () => {
  it('queue names follow MNS', () => {
    expect(parseQueueName('results-1')).toBe('results-1');
    for (const bad of ['', '1q', 'a.b', 'a_b', 'x'.repeat(121)])
      invalid(() => parseQueueName(bad), /queueName/);
  });

  it('numOfMessages 1-16 (default 1), waitSeconds 0-30 (default 0)', () => {
    expect(parseReceiveQuery({})).toEqual({ numOfMessages: 1, waitSeconds: 0 });
    expect(parseReceiveQuery({ numOfMessages: '16', waitSeconds: '30' })).toEqual({
      numOfMessages: 16,
      waitSeconds: 30,
    });
    for (const bad of ['0', '17', '1.5', 'x', '-1', ' 2']) {
      invalid(() => parseReceiveQuery({ numOfMessages: bad }), /numOfMessages: an integer from 1 to 16/);
    }
    for (const bad of ['31', '-1', '2s']) {
      invalid(() => parseReceiveQuery({ waitSeconds: bad }), /waitSeconds: an integer from 0 to 30/);
    }
    invalid(() => parseReceiveQuery({ waitSeconds: ['1', '2'] }), /waitSeconds/);
  });
});

describe('native Python runtimes', () => {
  const zipFile = 'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==';
  it("accepts FC's python3, python3.9, python3.10 and python3.12 with a handler, no custom config", () => {
    for (const runtime of ['python3', 'python3.9', 'python3.10', 'python3.12']) {
      expect(
        parseCreateFunction({ functionName: 'f', runtime, handler: 'index.handler', code: { zipFile } })
          .runtime,
      ).toBe(runtime);
    }
    invalid(
      () =>
        parseCreateFunction({ functionName: 'f', runtime: 'python3', handler: 'index', code: { zipFile } }),
      /handler: a python3 function needs a handler like index.handler/,
    );
    invalid(
      () =>
        parseCreateFunction({
          functionName: 'f',
          runtime: 'python2.7',
          handler: 'index.handler',
          code: { zipFile },
        }),
      /runtime: must be one of/,
    );
  });
});
