/**
 * Why an instance process died on its own, in words for the task's errorMessage. V8 aborts on
 * heap exhaustion (SIGABRT, or code 134 when a shell relays it) after printing
 * "FATAL ERROR: ... JavaScript heap out of memory", so any of those means the memory limit.
 */
export function describeExit(
  code: number | null,
  signal: NodeJS.Signals | null,
  stderrTail: string,
  memorySizeMB: number,
): string {
  const heapFatal = /FATAL ERROR:.*heap|heap out of memory/i.test(stderrTail);
  if (heapFatal || signal === 'SIGABRT' || code === 134) {
    return `Process ran out of memory (limit ${memorySizeMB} MB)`;
  }
  if (signal) return `Process was killed by signal ${signal}`;
  return `Process exited with code ${code ?? 'unknown'}`;
}
