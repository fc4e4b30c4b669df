import { readFileSync } from 'node:fs';
import { UsageError } from './errors.js';

/** `--data`: the text itself, `@file` for a file's bytes, `@-` for stdin. */
export function readPayload(value: string): Buffer {
  if (!value.startsWith('@')) return Buffer.from(value, 'utf8');
  const file = value.slice(1);
  try {
    return readFileSync(file === '-' ? 0 : file);
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** Seconds for `--delay`: a whole number, 0 to FC's maximum of a day (the server checks again). */
export function parseSeconds(text: string, what = 'seconds'): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) {
    throw new UsageError(`${what}: '${text}' is not a whole number of seconds`);
  }
  return n;
}
