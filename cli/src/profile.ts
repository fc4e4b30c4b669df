import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseIni } from 'ini';
import { DEFAULT_LOCAL_ACCESS_KEY_ID, DEFAULT_LOCAL_ACCESS_KEY_SECRET } from '@asyncfn/auth';
import { UsageError } from './errors.js';

/** Where requests go and how they are signed. */
export interface Profile {
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** Where the values came from, for `asyncfn --help` and error messages: never the secret. */
  source: string;
}

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:9000';
export const configPath = (env: Env) => env.ASYNCFN_CONFIG_FILE || join(homedir(), '.asyncfn', 'config');

type Env = Record<string, string | undefined>;

/** INI sections of ~/.asyncfn/config: `[default]`, `[profile staging]` or `[staging]`. */
export function parseConfigFile(text: string): Map<string, Record<string, string>> {
  const profiles = new Map<string, Record<string, string>>();
  for (const [section, values] of Object.entries(parseIni(text))) {
    if (typeof values !== 'object' || values === null) continue;
    const name = section.replace(/^profile\s+/, '').trim();
    profiles.set(name, Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)])));
  }
  return profiles;
}

/**
 * The profile to use, by precedence: --endpoint / --profile flags, then ASYNCFN_ENDPOINT,
 * ASYNCFN_ACCESS_KEY_ID and ASYNCFN_ACCESS_KEY_SECRET, then the named profile (--profile,
 * ASYNCFN_PROFILE, else `default`) of the config file, then, only if nothing at all is configured,
 * the local development stack's endpoint and key (README quick start).
 */
export function resolveProfile(
  flags: { profile?: string; endpoint?: string },
  env: Env = process.env,
  readFile: (path: string) => string | undefined = readIfExists,
): Profile {
  const path = configPath(env);
  const text = readFile(path);
  const profiles = text === undefined ? new Map() : parseConfigFile(text);
  const wanted = flags.profile ?? env.ASYNCFN_PROFILE;
  if (wanted !== undefined && !profiles.has(wanted)) {
    throw new UsageError(`no profile '${wanted}' in ${path}`);
  }
  const name = wanted ?? 'default';
  const fromFile: Record<string, string> = profiles.get(name) ?? {};
  const pick = (flag: string | undefined, envName: string, key: string) =>
    flag || env[envName] || fromFile[key] || undefined;
  const endpoint = pick(flags.endpoint, 'ASYNCFN_ENDPOINT', 'endpoint');
  const accessKeyId = pick(undefined, 'ASYNCFN_ACCESS_KEY_ID', 'access_key_id');
  const accessKeySecret = pick(undefined, 'ASYNCFN_ACCESS_KEY_SECRET', 'access_key_secret');
  if (!accessKeyId && !accessKeySecret) {
    // Nothing configured: the local stack of `npm run up`, with its documented development key.
    return {
      endpoint: normalizeEndpoint(endpoint ?? DEFAULT_ENDPOINT),
      accessKeyId: DEFAULT_LOCAL_ACCESS_KEY_ID,
      accessKeySecret: DEFAULT_LOCAL_ACCESS_KEY_SECRET,
      source: 'the local development key (nothing configured)',
    };
  }
  if (!accessKeyId || !accessKeySecret) {
    throw new UsageError(
      `an AccessKey needs both its id and its secret (ASYNCFN_ACCESS_KEY_ID / ASYNCFN_ACCESS_KEY_SECRET, or access_key_id / access_key_secret in ${path})`,
    );
  }
  return {
    endpoint: normalizeEndpoint(endpoint ?? DEFAULT_ENDPOINT),
    accessKeyId,
    accessKeySecret,
    source: profiles.has(name) ? `profile '${name}' of ${path}` : 'the environment',
  };
}

function normalizeEndpoint(endpoint: string): string {
  const withScheme = /^https?:\/\//.test(endpoint) ? endpoint : `http://${endpoint}`;
  try {
    const url = new URL(withScheme);
    return url.origin;
  } catch {
    throw new UsageError(`endpoint: '${endpoint}' is not a URL`);
  }
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
}
