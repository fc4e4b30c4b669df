import type { FunctionRecord } from '@asyncfn/contracts';

/*
 * Concurrency limits (FC's reservedConcurrency per function, and a per-tenant cap from the
 * server's config), pure. Running attempts hold leases: a lease set maps a holder (a task id, or
 * a sync request id) to when its lease lapses, so a holder that dies without releasing frees its
 * slot after the function's timeout.
 */

/** holder -> lease expiry (epoch ms). */
export type LeaseSet = Record<string, number>;

/** Beyond the function's timeout, how long a lease outlives a holder that never released it. */
export const LEASE_GRACE_MS = 30_000;

/** The limits that apply to a function: undefined means none (and costs nothing on the hot path). */
export function concurrencyLimitsOf(
  fn: Pick<FunctionRecord, 'reservedConcurrency'>,
  tenantLimit: number,
): { function?: number; tenant?: number } {
  return {
    ...(fn.reservedConcurrency !== undefined ? { function: fn.reservedConcurrency } : {}),
    ...(tenantLimit > 0 ? { tenant: tenantLimit } : {}),
  };
}

/** The leases still held at `now`. */
export function liveLeases(set: LeaseSet, now: number): LeaseSet {
  return Object.fromEntries(Object.entries(set).filter(([, expiresAt]) => expiresAt > now));
}

/**
 * Takes (or renews) a holder's lease if a slot is free: a holder that has one keeps it whatever
 * the count (its slot is already counted). Returns the new set, or undefined when at the limit.
 */
export function acquireLease(
  set: LeaseSet,
  holder: string,
  limit: number,
  now: number,
  ttlMs: number,
): LeaseSet | undefined {
  const live = liveLeases(set, now);
  if (!Object.hasOwn(live, holder) && Object.keys(live).length >= limit) return undefined;
  return { ...live, [holder]: now + ttlMs };
}

export function releaseLease(set: LeaseSet, holder: string, now: number): LeaseSet {
  const live = liveLeases(set, now);
  delete live[holder];
  return live;
}

/** How long a lease lasts: the function's timeout and a grace. */
export const leaseTtlMs = (fn: Pick<FunctionRecord, 'timeout'>) => fn.timeout * 1000 + LEASE_GRACE_MS;
