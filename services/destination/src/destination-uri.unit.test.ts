import { describe, expect, it } from 'vitest';
import { DeliveryError } from './errors.js';
import { destinationName, parseDestinationUri } from './destination-uri.js';

const reserved = ['asyncfn.', '$', '_inbox.'];
const parse = (uri: string) => parseDestinationUri(uri, reserved);

describe('parseDestinationUri', () => {
  it('reads the four schemes', () => {
    expect(parse('nats:orders.done')).toEqual({ scheme: 'nats', subject: 'orders.done' });
    expect(parse('kafka:task-results')).toEqual({ scheme: 'kafka', topic: 'task-results' });
    const http = parse('https://hooks.example.com/a?token=x');
    expect(http.scheme === 'http' && http.url.hostname).toBe('hooks.example.com');
    expect(parse('function:on-failure')).toEqual({ scheme: 'function', functionName: 'on-failure' });
  });

  it('refuses, as not retryable, subjects with wildcards and the platform’s own subjects', () => {
    for (const uri of [
      'nats:orders.*',
      'nats:orders.>',
      'nats:a..b',
      'nats:asyncfn.events.x',
      'nats:$JS.API.x',
      'nats:_INBOX.x',
    ]) {
      expect(() => parse(uri), uri).toThrow(DeliveryError);
      try {
        parse(uri);
      } catch (err) {
        expect((err as DeliveryError).retryable).toBe(false);
        expect((err as DeliveryError).code).toBe('DestinationInvalid');
      }
    }
  });

  it('refuses unknown schemes and bad names', () => {
    expect(() => parse('ftp://x')).toThrow(/unknown destination scheme/);
    expect(() => parse('kafka:..')).toThrow(/Kafka topic/);
    expect(() => parse('function:9lives')).toThrow(/function name/);
  });

  it("reads FC's MNS queue ARNs, ignoring region and account (placeholders too)", () => {
    for (const uri of [
      'acs:mns:cn-hangzhou:123456:/queues/my-queue/messages',
      'acs:mns:${vars.region}:{accountid}:/queues/my-queue/messages',
      'acs:mns:::/queues/my-queue/messages',
    ]) {
      expect(parse(uri), uri).toEqual({ scheme: 'mns', queueName: 'my-queue' });
    }
    expect(destinationName(parse('acs:mns:cn-hangzhou:1:/queues/q1/messages'))).toBe('q1');
  });

  it('refuses, as not retryable, MNS ARNs that name no valid queue', () => {
    const cases: [string, RegExp][] = [
      ['acs:mns:cn-hangzhou:1:/topics/t/messages', /topics are not supported/],
      ['acs:mns:cn-hangzhou:1:/queues/9q/messages', /queue name '9q'/],
      ['acs:mns:cn-hangzhou:1:/queues/a.b/messages', /queue name 'a.b'/],
      [`acs:mns:cn-hangzhou:1:/queues/${'q'.repeat(121)}/messages`, /at most 120/],
      ['acs:mns:cn-hangzhou:1:/queues/q', /is not \/queues\/<queue>\/messages/],
      ['acs:mns:/queues/q/messages', /expected acs:mns:<region>:<account>/],
    ];
    for (const [uri, message] of cases) {
      expect(() => parse(uri), uri).toThrow(message);
      try {
        parse(uri);
      } catch (err) {
        expect((err as DeliveryError).retryable, uri).toBe(false);
      }
    }
  });

  it('names destinations without URL credentials or query', () => {
    expect(destinationName(parse('https://user:pw@hooks.example.com/a/b?token=x'))).toBe(
      'https://hooks.example.com/a/b',
    );
    expect(destinationName(parse('nats:orders.done'))).toBe('orders.done');
  });
});
