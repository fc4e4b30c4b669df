import { readSecretFile } from '@asyncfn/config';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';
import { signingSecrets } from './signature.js';

/** The dev default signing secret; the service warns at start while it is in use. */
export const DEV_SIGNING_SECRET = 'asyncfn-local-destination-secret';

export interface DestinationSettings {
  retry: RetryPolicy;
  /** Bound on one delivery attempt (HTTP request, Kafka send, JetStream ack, intake reply), ms. */
  timeoutMs: number;
  /** Deliveries in flight at once; a slow destination holds one slot per attempt, no more. */
  concurrency: number;
  secretOf: (tenant: string) => string;
  usingDevSecret: boolean;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}: expected an integer ≥ ${min}, got '${raw}'`);
  return n;
}

/** A secret setting: from the file `<name>_FILE` names (kept out of the environment), else `<name>`. */
function secretSetting(env: Env, name: string): string | undefined {
  const file = env[`${name}_FILE`];
  return file ? readSecretFile(file, `${name}_FILE`).trim() : env[name];
}

/** The destination service's own settings (the shared ones come from @asyncfn/config). */
export function loadDestinationSettings(env: Env = process.env): DestinationSettings {
  const secret = secretSetting(env, 'ASYNCFN_DESTINATION_SIGNING_SECRET') || DEV_SIGNING_SECRET;
  return {
    retry: {
      maxAttempts: int(env, 'ASYNCFN_DESTINATION_MAX_ATTEMPTS', DEFAULT_RETRY_POLICY.maxAttempts, 1),
      baseMs: int(env, 'ASYNCFN_DESTINATION_RETRY_BASE_MS', DEFAULT_RETRY_POLICY.baseMs, 0),
      maxMs: int(env, 'ASYNCFN_DESTINATION_RETRY_MAX_MS', DEFAULT_RETRY_POLICY.maxMs, 0),
    },
    timeoutMs: int(env, 'ASYNCFN_DESTINATION_TIMEOUT_MS', 5_000, 100),
    concurrency: int(env, 'ASYNCFN_DESTINATION_CONCURRENCY', 256, 1),
    secretOf: signingSecrets(secret, secretSetting(env, 'ASYNCFN_DESTINATION_SIGNING_SECRETS')),
    usingDevSecret: secret === DEV_SIGNING_SECRET,
  };
}
