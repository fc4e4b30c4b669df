import { UsageError } from './errors.js';

/** A whole number from an option, within [min, max], or a usage error naming the option. */
export function parseCount(text: string, option: string, max = 100_000, min = 1): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
    throw new UsageError(`${option}: expected a whole number from ${min} to ${max}, got '${text}'`);
  }
  return n;
}
