import { describe, expect, it } from 'vitest';
import { SERVICE_NAMES, loadConfig } from './index.js';

describe('CPU niceness', () => {
  it('is 0 (the default priority) for every service unless configured', () => {
    for (const service of SERVICE_NAMES) expect(loadConfig(service, {}).cpuNice).toBe(0);
  });

  it('is set per service by ASYNCFN_<SERVICE>_NICE', () => {
    const env = { ASYNCFN_EXECUTOR_NICE: '5', ASYNCFN_DISPATCHER_NICE: '19' };
    expect(loadConfig('executor', env).cpuNice).toBe(5);
    expect(loadConfig('dispatcher', env).cpuNice).toBe(19);
    expect(loadConfig('ingress', env).cpuNice).toBe(0);
  });

  it.each(['-1', '20', '2.5', 'high'])('refuses %s with the variable named', (raw) => {
    expect(() => loadConfig('status', { ASYNCFN_STATUS_NICE: raw })).toThrow(
      /ASYNCFN_STATUS_NICE: expected an integer ≥ 0 and ≤ 19/,
    );
  });
});
