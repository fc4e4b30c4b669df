/** A single unterminated line longer than this is emitted anyway, so a child cannot grow it forever. */
const MAX_PARTIAL_CHARS = 64 * 1024;

export interface LineSplitter {
  /** Feeds a decoded chunk; calls `onLine` for every complete line. */
  push(chunk: string): void;
  /** Emits a trailing unterminated line, if any (e.g. `process.stdout.write('x')` before a result). */
  flush(): void;
}

export function createLineSplitter(onLine: (line: string) => void): LineSplitter {
  let partial = '';
  const flush = (): void => {
    if (partial === '') return;
    const line = partial;
    partial = '';
    onLine(line);
  };
  return {
    flush,
    push(chunk) {
      let start = 0;
      let nl = chunk.indexOf('\n');
      while (nl !== -1) {
        const line = partial + chunk.slice(start, nl);
        partial = '';
        onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
        start = nl + 1;
        nl = chunk.indexOf('\n', start);
      }
      partial += chunk.slice(start);
      if (partial.length > MAX_PARTIAL_CHARS) flush();
    },
  };
}
