import { describe, expect, it } from 'vitest';
import { ApiError, ERRORS, errorMessage, errorTable, fcError, isRetryable, notFound } from './errors.js';

describe('the error registry', () => {
  it('gives every code a status, a retryable flag, a template and a description', () => {
    for (const [code, entry] of Object.entries(ERRORS)) {
      expect(entry.status, code).toBeGreaterThanOrEqual(400);
      expect(entry.status, code).toBeLessThan(600);
      expect(typeof entry.retryable, code).toBe('boolean');
      expect(entry.message.length, code).toBeGreaterThan(0);
      expect(entry.description.length, code).toBeGreaterThan(10);
    }
  });

  it('answers retryable once, for the intake clients of triggers and destinations alike', () => {
    expect(isRetryable('ServiceUnavailable')).toBe(true);
    expect(isRetryable('InternalServerError')).toBe(true);
    expect(isRetryable('ResourceThrottled')).toBe(true);
    for (const code of ['FunctionNotFound', 'InvalidArgument', 'EntityTooLarge', 'FunctionDisabled'])
      expect(isRetryable(code), code).toBe(false);
    // A code from another version of the ingress: not retried (it would be retried forever).
    expect(isRetryable('SomethingNew')).toBe(false);
  });

  it('fills message templates and leaves out missing values', () => {
    expect(errorMessage('EntityTooLarge', { limit: 1024 })).toBe(
      'payload size exceeds maximum allowed size (1024 bytes)',
    );
    expect(notFound.asyncConfig('f').message).toBe('AsyncConfig for f:LATEST does not exist.');
    expect(errorMessage('FunctionDisabled', { functionName: 'f' })).toBe(
      "invocation of function 'f' is disabled",
    );
    const e = fcError('AliasNotFound', { functionName: 'f', aliasName: 'prod' });
    expect(e).toBeInstanceOf(ApiError);
    expect([e.code, e.status, e.retryable]).toEqual(['AliasNotFound', 404, false]);
  });

  it('keeps internal codes out of the API table', () => {
    const codes = errorTable().map((row) => row.code);
    expect(codes).toContain('AsyncConfigNotExists');
    expect(codes).not.toContain('DestinationInvalid');
  });
});
