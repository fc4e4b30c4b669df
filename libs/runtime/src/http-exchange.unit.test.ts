import { describe, expect, it } from 'vitest';
import { failure, fcHeaders, statusOf, type Reply } from './http-exchange.js';

const reply = (status: number, body: string, headers: Reply['headers'] = {}): Reply => ({
  status,
  headers,
  body: Buffer.from(body),
});

describe('statusOf', () => {
  it('takes a declared x-fc-status over the HTTP status', () => {
    expect(statusOf({ statusCode: 200, headers: { 'x-fc-status': '404' } })).toBe(404);
    expect(statusOf({ statusCode: 200, headers: { 'x-fc-status': 'nope' } })).toBe(200);
    expect(statusOf({ statusCode: 502, headers: {} })).toBe(502);
    expect(statusOf({ statusCode: undefined, headers: {} })).toBe(0);
  });
});

describe('failure', () => {
  it('is nothing for a 2xx answer', () => {
    expect(failure(reply(204, ''), 'x')).toBeUndefined();
  });

  it("takes FC's JSON error body, else the status and text", () => {
    expect(failure(reply(500, '{"errorType":"E","errorMessage":"m"}'), 'x')).toEqual({
      errorType: 'E',
      errorMessage: 'm',
    });
    expect(failure(reply(500, ' oops \n', { 'x-fc-error-type': 'Mine' }), 'x')).toEqual({
      errorType: 'Mine',
      errorMessage: 'HTTP 500: oops',
    });
    expect(failure(reply(404, ''), 'x')).toEqual({
      errorType: 'UnhandledInvocationError',
      errorMessage: 'HTTP 404',
    });
    expect(failure(reply(500, 'y'.repeat(5000)), 'x')?.errorMessage).toHaveLength('HTTP 500: '.length + 2048);
  });

  it('reports a lost connection', () => {
    expect(failure(new Error('socket hang up'), 'the function failed')).toEqual({
      errorType: 'ConnectionError',
      errorMessage: 'the function failed: connection lost without an answer (socket hang up)',
    });
  });
});

describe('fcHeaders', () => {
  it("describes the function and the tenant's account", () => {
    expect(fcHeaders({ name: 'f', handler: 'h', memory: 128, timeout: 3 }, 't')).toEqual({
      'x-fc-function-name': 'f',
      'x-fc-function-handler': 'h',
      'x-fc-function-memory': '128',
      'x-fc-function-timeout': '3',
      'x-fc-account-id': 't',
    });
  });
});
