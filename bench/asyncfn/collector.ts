import { fileURLToPath } from 'node:url';
import { startChild, type Child } from '../lib/child.js';

export interface Collector {
  port: number;
  pid: number;
  /** Arrivals of ids with this prefix since the last call (id, monotonic ms); duplicates so far. */
  take(idPrefix: string): Promise<{ arrivals: Array<[string, number]>; duplicates: number }>;
  stop(): Promise<void>;
}

export async function startCollector(): Promise<Collector> {
  const child: Child = await startChild(
    'collector',
    fileURLToPath(new URL('./collector-child.ts', import.meta.url)),
  );
  const port = await child.call<number>('port');
  return {
    port,
    pid: child.pid,
    take: (idPrefix) => child.call('take', idPrefix),
    stop: () => child.stop(),
  };
}
