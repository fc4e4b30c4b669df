import type { ChildProcess } from 'node:child_process';
import { createLineSplitter } from './line-splitter.js';
import type { LogBuffer } from './log-buffer.js';

/** Enough of stderr to find V8's "FATAL ERROR ... heap out of memory" after a crash. */
const STDERR_TAIL_CHARS = 4096;

export interface InstanceOutput {
  /** Emits unterminated trailing lines now (before an invocation settles or the instance goes). */
  flush(): void;
  stderrTail(): string;
}

/**
 * Splits an instance's stdout/stderr into lines and hands each to the invocations in flight. A
 * line goes to the invocation whose request id it carries (the shim's logger prefixes
 * "<time> <requestId> [LEVEL]"); unprefixed output goes to every invocation in flight, and output
 * while none is in flight (preStop on reclaim, stray timers) to `onIdleLine`.
 */
export function captureOutput(
  child: ChildProcess,
  inFlight: ReadonlyMap<string, { logs: LogBuffer }>,
  onIdleLine: (line: string) => void,
): InstanceOutput {
  let tail = '';
  const route = (line: string): void => {
    if (inFlight.size === 0) return onIdleLine(line);
    const owner = inFlight.size > 1 ? inFlight.get(requestIdOf(line)) : undefined;
    if (owner) owner.logs.append(line);
    else for (const inv of inFlight.values()) inv.logs.append(line);
  };
  const stdout = createLineSplitter(route);
  const stderr = createLineSplitter(route);
  // Read errors on the pipes surface as the process's exit; unhandled they would throw.
  child.stdout?.on('error', ignore);
  child.stderr?.on('error', ignore);
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-STDERR_TAIL_CHARS);
    stderr.push(chunk);
  });
  return {
    flush() {
      stdout.flush();
      stderr.flush();
    },
    stderrTail: () => tail,
  };
}

/** The second space-separated token: the request id in the shim logger's line format. */
function requestIdOf(line: string): string {
  const a = line.indexOf(' ');
  if (a < 0) return '';
  const b = line.indexOf(' ', a + 1);
  return b < 0 ? '' : line.slice(a + 1, b);
}

function ignore(): void {}
