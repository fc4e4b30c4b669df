import { describe, expect, it } from 'vitest';
import { createNames, type TriggerRecord } from '@asyncfn/contracts';
import { ApiError } from '@asyncfn/contracts';
import {
  applyTriggerUpdate,
  buildTriggerRecord,
  parseCreateTrigger,
  parseUpdateTrigger,
  triggerTaskIds,
  triggerView,
} from './triggers.js';
import { parseTriggerSpec } from './trigger-configs.js';
import { ANY_TASK_ID } from './validation.js';

const names = createNames('asyncfn');
const now = new Date('2026-11-24T12:00:00.000Z');

function rejects(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('InvalidArgument');
    expect((err as ApiError).message).toMatch(message);
    return;
  }
  throw new Error('expected an InvalidArgument error');
}

describe('trigger validation', () => {
  it('takes FC’s triggerConfig as JSON text and fills in HTTP defaults', () => {
    const input = parseCreateTrigger(
      { triggerName: 'web', triggerType: 'http', triggerConfig: '{"methods":["get","POST","GET"]}' },
      names,
    );
    expect(input.spec).toEqual({
      triggerType: 'http',
      triggerConfig: { authType: 'function', methods: ['GET', 'POST'] },
    });
    expect(parseTriggerSpec('http', undefined, names)).toEqual({
      triggerType: 'http',
      triggerConfig: { authType: 'function', methods: ['GET', 'POST'] },
    });
  });

  it('keeps the asyncInvocation switch and ignores FC fields asyncfn does not use', () => {
    expect(
      parseTriggerSpec(
        'http',
        { authType: 'anonymous', methods: ['POST'], asyncInvocation: true, disableURLInternet: false },
        names,
      ).triggerConfig,
    ).toEqual({ authType: 'anonymous', methods: ['POST'], asyncInvocation: true });
  });

  it('rejects unknown types, bad JSON and bad configs with InvalidArgument', () => {
    rejects(
      () => parseTriggerSpec('oss', {}, names),
      /triggerType: 'oss' is not one of http, kafka, nats, timer/,
    );
    rejects(() => parseTriggerSpec('kafka', '{nope', names), /triggerConfig: not valid JSON/);
    rejects(() => parseTriggerSpec('kafka', {}, names), /triggerConfig.topic/);
    rejects(() => parseTriggerSpec('kafka', { topic: '__consumer_offsets' }, names), /Kafka's own/);
    rejects(() => parseTriggerSpec('http', { authType: 'jwt' }, names), /triggerConfig.authType/);
    rejects(() => parseTriggerSpec('http', { methods: ['FETCH'] }, names), /FETCH/);
    rejects(() => parseTriggerSpec('nats', {}, names), /subject .* or stream/);
    rejects(() => parseTriggerSpec('timer', { cronExpression: '0 * * * *' }, names), /6 fields/);
    rejects(() => parseTriggerSpec('timer', { cronExpression: '@every 0s' }, names), /between 1s/);
    rejects(() => parseCreateTrigger({ triggerName: '1bad', triggerType: 'http' }, names), /triggerName/);
    rejects(
      () => parseCreateTrigger({ triggerName: 'ok', triggerType: 'http', qualifier: 'v1' }, names),
      /qualifier/,
    );
  });

  it('keeps NATS triggers off the platform’s own subjects and streams', () => {
    for (const subject of ['asyncfn.tasks.>', '>', '*.x', '$JS.API.>', '_INBOX.abc', 'a..b', 'a.>.b']) {
      rejects(() => parseTriggerSpec('nats', { subject }, names), /subject/);
    }
    for (const stream of ['ASYNCFN_TASKS', 'KV_asyncfn-functions']) {
      rejects(() => parseTriggerSpec('nats', { stream }, names), /stream/);
    }
    expect(parseTriggerSpec('nats', { subject: 'orders.*.created' }, names).triggerConfig).toEqual({
      subject: 'orders.*.created',
    });
    expect(parseTriggerSpec('nats', { stream: 'ORDERS', subject: 'orders.>' }, names).triggerConfig).toEqual({
      stream: 'ORDERS',
      subject: 'orders.>',
      fromBeginning: false,
    });
  });

  it('accepts FC timer configs, enabled by default', () => {
    expect(
      parseTriggerSpec(
        'timer',
        '{"cronExpression":"CRON_TZ=Asia/Shanghai 0 0 4 * * *","payload":"x"}',
        names,
      ),
    ).toEqual({
      triggerType: 'timer',
      triggerConfig: { cronExpression: 'CRON_TZ=Asia/Shanghai 0 0 4 * * *', payload: 'x', enable: true },
    });
  });
});

describe('trigger records', () => {
  const created = buildTriggerRecord(
    'default',
    'echo',
    parseCreateTrigger(
      { triggerName: 'tick', triggerType: 'timer', triggerConfig: '{"cronExpression":"@every 5s"}' },
      names,
    ),
    { now, triggerId: 'trg-1' },
  );

  it('are built with FC’s defaults and shown in FC’s Trigger shape', () => {
    expect(triggerView(created, { httpBaseUrl: 'http://h:9000' })).toEqual({
      triggerName: 'tick',
      triggerId: 'trg-1',
      triggerType: 'timer',
      triggerConfig: '{"cronExpression":"@every 5s","enable":true}',
      description: '',
      qualifier: 'LATEST',
      targetArn: 'acs:fc:local:default:functions/echo',
      status: 'Enabled',
      createdTime: '2026-11-24T12:00:00.000Z',
      lastModifiedTime: '2026-11-24T12:00:00.000Z',
    });
  });

  it('an update replaces the config, keeps the type and id', () => {
    const later = new Date('2026-11-24T13:00:00.000Z');
    const input = parseUpdateTrigger(
      { triggerConfig: '{"cronExpression":"@every 1m","enable":false}', description: 'd' },
      created,
      names,
    );
    const updated: TriggerRecord = applyTriggerUpdate(created, input, later);
    expect(updated).toMatchObject({
      triggerId: 'trg-1',
      triggerType: 'timer',
      triggerConfig: { cronExpression: '@every 1m', enable: false },
      description: 'd',
      createdTime: '2026-11-24T12:00:00.000Z',
      lastModifiedTime: '2026-11-24T13:00:00.000Z',
    });
    expect(triggerView(updated, { httpBaseUrl: '' }).status).toBe('Disabled');
  });

  it('an HTTP trigger has its URL under /http/<tenant>/<function>/<trigger>', () => {
    const http = buildTriggerRecord(
      'default',
      'echo',
      parseCreateTrigger({ triggerName: 'web', triggerType: 'http' }, names),
      { now, triggerId: 'trg-2' },
    );
    expect(triggerView(http, { httpBaseUrl: 'http://127.0.0.1:9000/' }).httpTrigger).toEqual({
      urlInternet: 'http://127.0.0.1:9000/http/default/echo/web',
      urlIntranet: 'http://127.0.0.1:9000/http/default/echo/web',
    });
  });
});

describe('trigger task ids', () => {
  it('are deterministic per message or firing, valid task ids, distinct per trigger', () => {
    const ids = [
      triggerTaskIds.kafka('trg-1', 'orders', 3, '9007199254740993'),
      triggerTaskIds.jetStream('trg-1', 'ORDERS', 42),
      triggerTaskIds.nats('trg-1', 'publisher/id:7', 'unused'),
      triggerTaskIds.timer('trg-1', Date.parse('2026-11-24T12:00:05.250Z')),
    ];
    for (const id of ids) expect(id).toMatch(ANY_TASK_ID);
    expect(ids[0]).toBe(triggerTaskIds.kafka('trg-1', 'orders', 3, '9007199254740993'));
    expect(ids[0]).not.toBe(triggerTaskIds.kafka('trg-2', 'orders', 3, '9007199254740993'));
    expect(ids[0]).toMatch(/^k-[0-9a-f]{16}-3-9007199254740993$/);
    expect(ids[2]).toBe(triggerTaskIds.nats('trg-1', 'publisher/id:7', 'other'));
    expect(triggerTaskIds.nats('trg-1', undefined, 'abc')).toMatch(/-abc$/);
    expect(ids[3]).toMatch(/-1795521605$/);
    expect(ids[3]).toBe(triggerTaskIds.timer('trg-1', Date.parse('2026-11-24T12:00:05.900Z')));
  });
});
