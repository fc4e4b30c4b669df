import { describe, expect, it } from 'vitest';
import { createLabelLimiter, OVERFLOW_LABEL } from './label-limiter.js';

describe('the label limiter', () => {
  it('keeps the first distinct (tenant, function) pairs and folds later ones into _other', () => {
    const labels = createLabelLimiter(2);
    expect(labels('t1', 'a')).toEqual({ tenant: 't1', function: 'a' });
    expect(labels('t2', 'a')).toEqual({ tenant: 't2', function: 'a' });
    expect(labels('t1', 'b')).toEqual({ tenant: OVERFLOW_LABEL, function: OVERFLOW_LABEL });
    // Pairs seen before the cap keep their names for good.
    expect(labels('t1', 'a')).toEqual({ tenant: 't1', function: 'a' });
    expect(labels('t2', 'a')).toEqual({ tenant: 't2', function: 'a' });
  });

  it('tells pairs apart even when names contain the other label', () => {
    const labels = createLabelLimiter(1);
    labels('a.b', 'c');
    expect(labels('a', 'b.c')).toEqual({ tenant: OVERFLOW_LABEL, function: OVERFLOW_LABEL });
  });
});
