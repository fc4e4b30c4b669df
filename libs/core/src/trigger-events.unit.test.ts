import { describe, expect, it } from 'vitest';
import {
  encodeBody,
  httpTriggerEvent,
  httpTriggerResponse,
  kafkaTriggerEvent,
  natsTriggerEvent,
  timerTriggerEvent,
} from './trigger-events.js';

describe('trigger events', () => {
  it('carry text as text and binary as base64', () => {
    expect(encodeBody(Buffer.from('héllo'))).toEqual({ body: 'héllo', isBase64Encoded: false });
    expect(encodeBody(Buffer.from([0xff, 0x00, 0x01]))).toEqual({ body: '/wAB', isBase64Encoded: true });
    expect(encodeBody(Buffer.alloc(0))).toEqual({ body: '', isBase64Encoded: false });
  });

  it('an HTTP request becomes FC’s HTTP trigger event', () => {
    const now = Date.parse('2026-11-24T12:00:00.123Z');
    expect(
      httpTriggerEvent({
        method: 'POST',
        rawPath: '/orders/a%20b',
        rawQuery: 'x=1&y=2&x=3',
        headers: { 'Content-Type': 'text/plain', 'x-multi': ['a', 'b'], skipped: undefined },
        body: Buffer.from('hi'),
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        requestId: 'req-1',
        accountId: 'default',
        domainName: '127.0.0.1:9000',
        domainPrefix: 'trg-1',
        now,
      }),
    ).toEqual({
      version: 'v1',
      rawPath: '/orders/a%20b',
      body: 'hi',
      isBase64Encoded: false,
      headers: { 'content-type': 'text/plain', 'x-multi': 'a,b' },
      queryParameters: { x: '1,3', y: '2' },
      requestContext: {
        accountId: 'default',
        domainName: '127.0.0.1:9000',
        domainPrefix: 'trg-1',
        http: {
          method: 'POST',
          path: '/orders/a b',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: '',
        },
        requestId: 'req-1',
        time: '2026-11-24T12:00:00Z',
        timeEpoch: String(now),
      },
    });
  });

  it('a function result with statusCode is the HTTP response; anything else is a 200 body', () => {
    expect(
      httpTriggerResponse(
        Buffer.from(
          JSON.stringify({ statusCode: 201, headers: { 'X-A': 'b' }, body: 'aGk=', isBase64Encoded: true }),
        ),
      ),
    ).toEqual({ statusCode: 201, headers: { 'x-a': 'b' }, body: Buffer.from('hi') });
    expect(httpTriggerResponse(Buffer.from('{"ok":true}'))).toEqual({
      statusCode: 200,
      headers: {},
      body: Buffer.from('{"ok":true}'),
    });
    expect(httpTriggerResponse(Buffer.from('plain')).body.toString()).toBe('plain');
    expect(httpTriggerResponse(Buffer.from('{"statusCode":99}')).statusCode).toBe(200);
  });

  it('Kafka and NATS messages and timer firings have small JSON envelopes', () => {
    expect(
      kafkaTriggerEvent({
        topic: 't',
        partition: 1,
        offset: '7',
        timestamp: '1700000000000',
        key: Buffer.from('k'),
        value: Buffer.from([0xff]),
        headers: { a: 'b' },
      }),
    ).toEqual({
      topic: 't',
      partition: 1,
      offset: '7',
      timestamp: '1700000000000',
      key: 'k',
      value: '/w==',
      isBase64Encoded: true,
      headers: { a: 'b' },
    });
    expect(natsTriggerEvent({ subject: 's', data: new TextEncoder().encode('x'), headers: {} })).toEqual({
      subject: 's',
      body: 'x',
      isBase64Encoded: false,
      headers: {},
    });
    expect(timerTriggerEvent('tick', Date.parse('2026-11-24T12:00:00.000Z'), 'p')).toEqual({
      triggerTime: '2026-11-24T12:00:00Z',
      triggerName: 'tick',
      payload: 'p',
    });
  });
});
