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

  it('names destinations without URL credentials or query', () => {
    expect(destinationName(parse('https://user:pw@hooks.example.com/a/b?token=x'))).toBe(
      'https://hooks.example.com/a/b',
    );
    expect(destinationName(parse('nats:orders.done'))).toBe('orders.done');
  });
});
