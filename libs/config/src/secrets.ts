import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/*
 * Control-plane credentials are read from files (mode 0600), never from the environment, so no
 * child process and no /proc/<pid>/environ reader sees them. deploy/local generates them on first
 * start under <cache>/secrets (ASYNCFN_SECRETS_DIR); deploy/compose mounts them. Explicit *_FILE
 * variables win, then the variables the code read before (NATS_URL/MONGO_URL), then the files of
 * the secrets dir when they exist. See docs/control-plane-auth.md.
 */

type Env = Record<string, string | undefined>;

export interface NatsAuth {
  user: string;
  pass: string;
}

/** The directory deploy/local keeps the generated secrets in. */
export function secretsDir(env: Env = process.env): string {
  const cache = env.ASYNCFN_CACHE ?? join(homedir(), '.cache', 'asyncfn');
  return env.ASYNCFN_SECRETS_DIR ?? join(cache, 'secrets');
}

/** Well-known file names in the secrets dir. */
export const SecretFiles = {
  natsPassword: (user: string) => `nats-${user}.password`,
  mongoUrl: 'mongo-url',
  mongoAdminUrl: 'mongo-admin-url',
  postgresUrl: 'postgres-url',
  accessKeys: 'access-keys',
} as const;

/** A secret file's content without its trailing newline; a missing or empty file is an error. */
export function readSecretFile(path: string, what: string): string {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${what}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const value = content.replace(/\r?\n$/, '');
  if (value === '') throw new Error(`${what}: ${path} is empty`);
  return value;
}

/**
 * NATS credentials of `user` (a service name, or `admin`): NATS_USER + NATS_PASSWORD_FILE when
 * set, else `<secrets>/nats-<user>.password` when it exists, else none (a server without auth).
 * ASYNCFN_NATS_USER_PREFIX (`test-`, set by scripts/stack.ts) picks a service's test user.
 */
export function natsAuth(user: string, env: Env = process.env): NatsAuth | undefined {
  const name = env.NATS_USER ?? (user === 'admin' ? user : `${env.ASYNCFN_NATS_USER_PREFIX ?? ''}${user}`);
  if (env.NATS_PASSWORD_FILE) {
    return { user: name, pass: readSecretFile(env.NATS_PASSWORD_FILE, 'NATS_PASSWORD_FILE') };
  }
  const file = join(secretsDir(env), SecretFiles.natsPassword(name));
  if (!existsSync(file)) return undefined;
  return { user: name, pass: readSecretFile(file, `NATS password of ${name}`) };
}

/**
 * The MongoDB URL with credentials: MONGO_URL_FILE, else MONGO_URL, else `<secrets>/mongo-url`
 * (`admin`: `<secrets>/mongo-admin-url`, falling back to mongo-url) when it exists, else the
 * loopback default.
 */
export function mongoUrl(env: Env = process.env, role: 'service' | 'admin' = 'service'): string {
  if (env.MONGO_URL_FILE) return readSecretFile(env.MONGO_URL_FILE, 'MONGO_URL_FILE');
  if (env.MONGO_URL) return env.MONGO_URL;
  const dir = secretsDir(env);
  for (const name of role === 'admin'
    ? [SecretFiles.mongoAdminUrl, SecretFiles.mongoUrl]
    : [SecretFiles.mongoUrl]) {
    const file = join(dir, name);
    if (existsSync(file)) return readSecretFile(file, `MongoDB URL (${file})`);
  }
  return 'mongodb://127.0.0.1:27017';
}

/**
 * The PostgreSQL URL with credentials (task store `postgresql`) when one is configured:
 * POSTGRES_URL_FILE, else POSTGRES_URL, else `<secrets>/postgres-url` when it exists.
 */
export function configuredPostgresUrl(env: Env = process.env): string | undefined {
  if (env.POSTGRES_URL_FILE) return readSecretFile(env.POSTGRES_URL_FILE, 'POSTGRES_URL_FILE');
  if (env.POSTGRES_URL) return env.POSTGRES_URL;
  const file = join(secretsDir(env), SecretFiles.postgresUrl);
  return existsSync(file) ? readSecretFile(file, `PostgreSQL URL (${file})`) : undefined;
}

/** configuredPostgresUrl, else the loopback default. */
export function postgresUrl(env: Env = process.env): string {
  return configuredPostgresUrl(env) ?? 'postgres://127.0.0.1:5432/asyncfn';
}

/**
 * AccessKeys (`id:secret:tenant,…`): ASYNCFN_ACCESS_KEYS_FILE, else ASYNCFN_ACCESS_KEYS (kept for
 * tests and old setups; an environment is readable by the process's children), else
 * `<secrets>/access-keys` when it exists, else `fallback`.
 */
export function accessKeys(env: Env, fallback: string): string {
  if (env.ASYNCFN_ACCESS_KEYS_FILE)
    return readSecretFile(env.ASYNCFN_ACCESS_KEYS_FILE, 'ASYNCFN_ACCESS_KEYS_FILE').trim();
  if (env.ASYNCFN_ACCESS_KEYS) return env.ASYNCFN_ACCESS_KEYS;
  const file = join(secretsDir(env), SecretFiles.accessKeys);
  if (existsSync(file)) return readSecretFile(file, `AccessKeys (${file})`).trim();
  return fallback;
}

/** Environment variables holding secrets: removed from a service's own environment once read. */
export const SECRET_ENV_VARS = ['ASYNCFN_ACCESS_KEYS', 'MONGO_URL', 'POSTGRES_URL'] as const;
