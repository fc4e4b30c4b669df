import { fileURLToPath } from 'node:url';
import { startChild, type Child } from '../lib/child.js';

export interface Collector {
  port: number;
  pid: number;
  /** Arrivals since the last call: task id → monotonic ms; plus the duplicates seen so far. */
  take(): Promise<{ arrivals: Array<[string, number]>; duplicates: number }>;
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
    take: () => child.call('take'),
    stop: () => child.stop(),
  };
}
