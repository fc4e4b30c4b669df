export const DEFAULT_MAX_LOG_BYTES = 64 * 1024;

/** One invocation's captured output, capped so a chatty function cannot grow the executor's heap. */
export interface LogBuffer {
  append(line: string): void;
  text(): string;
}

export function createLogBuffer(maxBytes: number = DEFAULT_MAX_LOG_BYTES): LogBuffer {
  const lines: string[] = [];
  let bytes = 0;
  let truncated = false;
  return {
    append(line) {
      if (truncated) return;
      const size = Buffer.byteLength(line) + 1;
      if (bytes + size > maxBytes) {
        truncated = true;
        lines.push(`[asyncfn] log output truncated at ${maxBytes} bytes`);
        return;
      }
      bytes += size;
      lines.push(line);
    },
    text: () => (lines.length === 0 ? '' : lines.join('\n') + '\n'),
  };
}
