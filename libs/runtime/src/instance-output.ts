import type { ChildProcess } from 'node:child_process';
import { createLineSplitter } from './line-splitter.js';
import type { LogBuffer } from './log-buffer.js';
import { OUTPUT_MARK_PREFIX, type OutputMarks } from './protocol.js';

/** Enough of stderr to find V8's "FATAL ERROR ... heap out of memory" after a crash. */
const STDERR_TAIL_CHARS = 4096;

export interface InstanceOutput {
  /** Emits unterminated trailing lines now (before an invocation settles or the instance goes). */
  flush(): void;
  stderrTail(): string;
  /**
   * Resolves once the output marks an answer names have been read, so the output written before
   * the answer is in its invocation's logs; after `timeoutMs` anyway (the function broke its
   * streams). Without marks: after the current poll phase.
   */
  afterMarks(marks: OutputMarks | undefined, timeoutMs: number): Promise<void>;
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
  const seen = { stdout: 0, stderr: 0 };
  let waiters: { marks: OutputMarks; done: () => void }[] = [];
  const reached = (marks: OutputMarks) =>
    (marks.stdout ?? 0) <= seen.stdout && (marks.stderr ?? 0) <= seen.stderr;
  const onMark = (stream: keyof typeof seen, line: string): void => {
    seen[stream] = Math.max(seen[stream], Number(line.slice(OUTPUT_MARK_PREFIX.length)) || 0);
    const ready = waiters.filter((w) => reached(w.marks));
    if (ready.length === 0) return;
    waiters = waiters.filter((w) => !reached(w.marks));
    for (const w of ready) w.done();
  };
  const route = (line: string): void => {
    if (inFlight.size === 0) return onIdleLine(line);
    const owner = inFlight.size > 1 ? inFlight.get(requestIdOf(line)) : undefined;
    if (owner) owner.logs.append(line);
    else for (const inv of inFlight.values()) inv.logs.append(line);
  };
  const lines = (stream: keyof typeof seen) =>
    createLineSplitter((line) => (line.startsWith(OUTPUT_MARK_PREFIX) ? onMark(stream, line) : route(line)));
  const stdout = lines('stdout');
  const stderr = lines('stderr');
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
    afterMarks(marks, timeoutMs) {
      // Without marks the answer came with no new output: what was written before it is readable
      // in this same poll phase, and setImmediate runs after that phase.
      if (!marks || reached(marks)) return new Promise((resolve) => setImmediate(resolve));
      return new Promise((resolve) => {
        const waiter = { marks, done: () => (clearTimeout(timer), resolve()) };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          resolve();
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
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
