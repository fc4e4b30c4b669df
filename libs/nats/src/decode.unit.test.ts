import { describe, expect, it } from 'vitest';
import { decodeJson } from './decode.js';

const message = (text: string) => ({
  json: <T>() => JSON.parse(text) as T,
});

describe('decodeJson', () => {
  it('gives the body of a readable message', () => {
    expect(decodeJson<{ a: number }>(message('{"a":1}'))).toEqual({ a: 1 });
  });

  it('gives undefined for an unreadable one, instead of throwing', () => {
    expect(decodeJson(message('{"a":'))).toBeUndefined();
    expect(decodeJson(message(''))).toBeUndefined();
  });
});
