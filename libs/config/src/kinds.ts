import { z } from 'zod';

/*
 * The kinds of value a setting can hold: each parses the raw environment string with zod and
 * says, in words, what it expects (for the error that names the variable, and for the docs).
 */

export interface Kind<T> {
  schema: z.ZodType<T, string>;
  /** What a valid value is, e.g. "an integer ≥ 1". */
  expected: string;
}

export function integer(min = 0, max = Number.MAX_SAFE_INTEGER): Kind<number> {
  const expected =
    max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer ≥ ${min} and ≤ ${max}`;
  return {
    schema: z
      .string()
      .trim()
      .regex(/^-?\d+$/)
      .transform(Number)
      .pipe(z.number().int().min(min).max(max)),
    expected,
  };
}

export function text(): Kind<string> {
  return { schema: z.string(), expected: 'a string' };
}

/** A comma-separated list; blanks around items and empty items are dropped. */
export function list(): Kind<string[]> {
  return {
    schema: z.string().transform((raw) =>
      raw
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    ),
    expected: 'a comma-separated list',
  };
}

/** Whitespace-separated words (command-line flags). */
export function words(): Kind<string[]> {
  return { schema: z.string().transform((raw) => raw.split(/\s+/).filter(Boolean)), expected: 'words' };
}

export function flag(): Kind<boolean> {
  return {
    schema: z.enum(['1', 'true', '0', 'false']).transform((raw) => raw === '1' || raw === 'true'),
    expected: '1, true, 0 or false',
  };
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T): Kind<T[number]> {
  return { schema: z.enum(values), expected: `one of ${values.join(', ')}` };
}

/**
 * `python3.9=/opt/py39/bin/python3,python3=/usr/bin/python3` → a map from runtime to interpreter;
 * a key must match `key`, and every path be absolute.
 */
export function binaryMap(key: RegExp): Kind<Record<string, string>> {
  return {
    schema: z.string().transform((raw, ctx) => {
      const map: Record<string, string> = {};
      for (const entry of raw
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean)) {
        const eq = entry.indexOf('=');
        const runtime = entry.slice(0, eq).trim();
        const path = entry.slice(eq + 1).trim();
        if (eq <= 0 || !key.test(runtime) || !path.startsWith('/')) {
          ctx.addIssue({ code: 'custom', message: `bad entry '${entry}'` });
          return z.NEVER;
        }
        map[runtime] = path;
      }
      return map;
    }),
    expected: 'runtime=/absolute/path entries separated by commas',
  };
}

/** Comma-separated TCP/UDP port numbers. */
export function ports(): Kind<number[]> {
  return {
    schema: list().schema.pipe(
      z.array(z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(1).max(65_535))),
    ),
    expected: 'port numbers (1-65535) separated by commas',
  };
}

/** Comma-separated absolute paths. */
export function absolutePaths(): Kind<string[]> {
  return {
    schema: list().schema.pipe(z.array(z.string().startsWith('/'))),
    expected: 'absolute paths separated by commas',
  };
}
