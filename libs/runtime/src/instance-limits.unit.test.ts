import { describe, expect, it } from 'vitest';
import { checkMemory, usageSince } from './instance-limits.js';

const sample = (rssMB: number) => ({ cpuMs: 250, rssMB, peakMB: 40.2 });

describe('checkMemory', () => {
  it("believes the kernel's OOM kill without sampling", () => {
    let sampled = 0;
    const probe = { kernelOutOfMemory: () => true, sample: () => (sampled++, sample(1)) };
    expect(checkMemory(probe, 128)).toEqual({ kind: 'outOfMemory' });
    expect(sampled).toBe(0);
  });

  it('holds the RSS to the memory size', () => {
    const probe = (rss: number | undefined) => ({
      kernelOutOfMemory: () => false,
      sample: () => (rss === undefined ? undefined : sample(rss)),
    });
    expect(checkMemory(probe(128), 128)).toEqual({ kind: 'within' });
    expect(checkMemory(probe(128.5), 128)).toEqual({ kind: 'outOfMemory', rssMB: 128.5 });
    expect(checkMemory(probe(undefined), 128)).toEqual({ kind: 'within' });
  });
});

describe('usageSince', () => {
  it('is the CPU time since dispatch and the peak, rounded up', () => {
    expect(usageSince(100, sample(10))).toEqual({ cpuTimeMs: 150, peakMemoryMB: 41 });
    expect(usageSince(300, sample(10))).toEqual({ cpuTimeMs: 0, peakMemoryMB: 41 });
    expect(usageSince(undefined, sample(10))).toBeUndefined();
    expect(usageSince(100, undefined)).toBeUndefined();
  });
});
