import { readSecretFile, readSetting, type Env } from '@asyncfn/config';
import type { RetryPolicy } from './retry-policy.js';
import { signingSecrets } from './signature.js';

/** The dev default signing secret; the service warns at start while it is in use. */
export const DEV_SIGNING_SECRET = readSetting('ASYNCFN_DESTINATION_SIGNING_SECRET', {});

export interface DestinationSettings {
  retry: RetryPolicy;
  /** Bound on one delivery attempt (HTTP request, Kafka send, JetStream ack, intake reply), ms. */
  timeoutMs: number;
  /** Deliveries in flight at once; a slow destination holds one slot per attempt, no more. */
  concurrency: number;
  secretOf: (tenant: string) => string;
  usingDevSecret: boolean;
}

type SecretName = 'ASYNCFN_DESTINATION_SIGNING_SECRET' | 'ASYNCFN_DESTINATION_SIGNING_SECRETS';

/** A secret setting: from the file `<name>_FILE` names (kept out of the environment), else `<name>`. */
function secretSetting(env: Env, name: SecretName): string {
  const file = env[`${name}_FILE`];
  return file ? readSecretFile(file, `${name}_FILE`).trim() : readSetting(name, env);
}

/** The destination service's own settings (libs/config's schema says what each one means). */
export function loadDestinationSettings(env: Env = process.env): DestinationSettings {
  const secret = secretSetting(env, 'ASYNCFN_DESTINATION_SIGNING_SECRET') || DEV_SIGNING_SECRET;
  return {
    retry: {
      maxAttempts: readSetting('ASYNCFN_DESTINATION_MAX_ATTEMPTS', env),
      baseMs: readSetting('ASYNCFN_DESTINATION_RETRY_BASE_MS', env),
      maxMs: readSetting('ASYNCFN_DESTINATION_RETRY_MAX_MS', env),
    },
    timeoutMs: readSetting('ASYNCFN_DESTINATION_TIMEOUT_MS', env),
    concurrency: readSetting('ASYNCFN_DESTINATION_CONCURRENCY', env),
    secretOf: signingSecrets(secret, secretSetting(env, 'ASYNCFN_DESTINATION_SIGNING_SECRETS')),
    usingDevSecret: secret === DEV_SIGNING_SECRET,
  };
}
