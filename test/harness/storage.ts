import { configuredPostgresUrl, mongoUrl, natsAuth, type NatsAuth } from '@asyncfn/config';

/* Outside vitest too (the bench, scripts): no vitest import here. */

/** Where NATS, MongoDB and PostgreSQL are, with the admin's credentials (tests, bench and tools are admins). */
export interface StorageUrls {
  natsUrl: string;
  /** The NATS admin user (deploy/local's secrets), when the server requires credentials. */
  natsAuth: NatsAuth | undefined;
  mongoUrl: string;
  /** The task store `postgresql`'s server, when one is configured (deploy/local makes one). */
  postgresUrl: string | undefined;
}

/** The NATS and MongoDB URLs an environment names, or the local defaults, with admin credentials. */
export function storageUrls(env: Record<string, string | undefined>): StorageUrls {
  return {
    natsUrl: env.NATS_URL ?? 'nats://127.0.0.1:4222',
    natsAuth: natsAuth('admin', env),
    mongoUrl: mongoUrl(env, 'admin'),
    postgresUrl: configuredPostgresUrl(env),
  };
}
