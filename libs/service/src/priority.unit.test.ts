import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const priorityModule = fileURLToPath(new URL('./priority.ts', import.meta.url));

/** A real process lowers itself, then reports the nice value of each of its threads from /proc. */
function niceOfThreadsAfter(nice: number): number[] {
  const script = `
    import { readdirSync, readFileSync } from 'node:fs';
    const { lowerCpuPriority } = await import(${JSON.stringify(priorityModule)});
    lowerCpuPriority(${nice});
    await new Promise((resolve) => setImmediate(resolve));
    const nices = readdirSync('/proc/self/task').map((tid) => {
      const stat = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    });
    console.log(JSON.stringify(nices));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim()) as number[];
}

describe.runIf(process.platform === 'linux')('lowerCpuPriority', () => {
  it('lowers every thread of the process, not only the main one', () => {
    const nices = niceOfThreadsAfter(7);
    expect(nices.length).toBeGreaterThan(1);
    expect(new Set(nices)).toEqual(new Set([7]));
  });

  it('leaves the process alone at 0', () => {
    expect(new Set(niceOfThreadsAfter(0))).toEqual(new Set([0]));
  });
});
