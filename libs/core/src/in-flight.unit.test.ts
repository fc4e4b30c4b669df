import { describe, expect, it } from 'vitest';
import { boundedInFlight } from './in-flight.js';

const deferred = () => {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

describe('boundedInFlight', () => {
  it('has room below its limit, and again as soon as one settles (rejected ones too)', async () => {
    const inFlight = boundedInFlight(2);
    const a = deferred();
    const b = deferred();
    inFlight.add(a.promise);
    await inFlight.room();
    inFlight.add(b.promise.catch(() => undefined));
    let roomy = false;
    const waited = inFlight.room().then(() => (roomy = true));
    await Promise.resolve();
    expect(roomy).toBe(false);
    b.reject(new Error('boom'));
    await waited;
    expect(inFlight.size).toBe(1);
    a.resolve();
    await inFlight.settled();
    expect(inFlight.size).toBe(0);
  });

  it('held at its limit, makes room for one more each time one settles', async () => {
    const inFlight = boundedInFlight(1_000);
    const all = Array.from({ length: 1_000 }, deferred);
    for (const d of all) inFlight.add(d.promise);
    for (let i = 0; i < 1_000; i++) {
      let roomy = false;
      const waited = inFlight.room().then(() => (roomy = true));
      await Promise.resolve();
      expect(roomy).toBe(false);
      all[i]!.resolve();
      await waited;
      inFlight.add(new Promise(() => undefined)); // never settles: the set stays full
      expect(inFlight.size).toBe(1_000);
    }
  });
});
