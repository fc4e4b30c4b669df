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

describe('Python interpreters', () => {
  it('default to none mapped (the host python3 for every Python runtime)', () => {
    expect(loadConfig('executor', {}).pythonBinaries).toEqual({});
  });

  it('map runtimes to interpreters with ASYNCFN_PYTHON_BINARIES', () => {
    const env = { ASYNCFN_PYTHON_BINARIES: 'python3.9=/opt/py39/bin/python3, python3=/usr/bin/python3' };
    expect(loadConfig('executor', env).pythonBinaries).toEqual({
      'python3.9': '/opt/py39/bin/python3',
      python3: '/usr/bin/python3',
    });
  });

  it.each(['python3.9', 'nodejs20=/usr/bin/node', 'python3.9=relative/python', '=/usr/bin/python3'])(
    'refuses %s',
    (raw) => {
      expect(() => loadConfig('executor', { ASYNCFN_PYTHON_BINARIES: raw })).toThrow(
        /ASYNCFN_PYTHON_BINARIES/,
      );
    },
  );
});
