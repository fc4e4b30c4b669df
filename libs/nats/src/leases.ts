import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { FunctionRecord, Names } from '@asyncfn/contracts';
import {
  acquireLease,
  concurrencyLimitsOf,
  leaseTtlMs,
  liveLeases,
  releaseLease,
  type LeaseSet,
} from '@asyncfn/core';

/*
 * Concurrency leases in a KV bucket, one key per limited scope (`f.<tenant>.<function>`,
 * `t.<tenant>`), updated with compare-and-set so dispatchers, executors and ingresses on any host
 * share one count. Nothing is read or written for a function without limits.
 */

const functionKey = (tenant: string, functionName: string) => `f.${tenant}.${functionName}`;
const tenantKey = (tenant: string) => `t.${tenant}`;
const CAS_ATTEMPTS = 20;

export interface ConcurrencyLeases {
  /** Takes a slot for `holder` under every limit of the function; false when one is at its limit. */
  acquire(fn: FunctionRecord, holder: string): Promise<boolean>;
  release(fn: FunctionRecord, holder: string): Promise<void>;
  /** Attempts holding a slot of the function now. */
  running(tenant: string, functionName: string): Promise<number>;
}

export async function openConcurrencyLeases(
  nc: NatsConnection,
  names: Names,
  options: { tenantLimit: number; clock?: () => number },
): Promise<ConcurrencyLeases> {
  const kv = await new Kvm(nc).create(names.kv.leases, { history: 1 });
  const clock = options.clock ?? Date.now;

  /** Applies `change` to a key with compare-and-set; `change` returning undefined aborts (false). */
  async function update(key: string, change: (set: LeaseSet) => LeaseSet | undefined): Promise<boolean> {
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const entry = await kv.get(key);
      const current: LeaseSet = entry && entry.operation === 'PUT' && entry.length > 0 ? entry.json() : {};
      const next = change(current);
      if (!next) return false;
      try {
        const body = JSON.stringify(next);
        if (entry && entry.operation === 'PUT') await kv.update(key, body, entry.revision);
        else await kv.create(key, body).catch(() => kv.update(key, body, entry?.revision ?? 0));
        return true;
      } catch {
        // Another holder wrote in between: read again.
      }
    }
    throw new Error(`concurrency lease ${key}: too many concurrent updates`);
  }

  const keysOf = (fn: FunctionRecord) => {
    const limits = concurrencyLimitsOf(fn, options.tenantLimit);
    return [
      ...(limits.tenant !== undefined ? [{ key: tenantKey(fn.tenant), limit: limits.tenant }] : []),
      ...(limits.function !== undefined
        ? [{ key: functionKey(fn.tenant, fn.functionName), limit: limits.function }]
        : []),
    ];
  };

  return {
    async acquire(fn, holder) {
      const taken: string[] = [];
      for (const { key, limit } of keysOf(fn)) {
        const ok = await update(key, (set) => acquireLease(set, holder, limit, clock(), leaseTtlMs(fn)));
        if (!ok) {
          for (const k of taken) await update(k, (set) => releaseLease(set, holder, clock()));
          return false;
        }
        taken.push(key);
      }
      return true;
    },
    async release(fn, holder) {
      // Only the limits set now (no I/O without limits, the hot path): a lease under a limit
      // removed meanwhile lapses on its own.
      for (const { key } of keysOf(fn)) {
        const entry = await kv.get(key);
        if (!entry || entry.operation !== 'PUT' || entry.length === 0) continue;
        if (!Object.hasOwn(entry.json<LeaseSet>(), holder)) continue;
        await update(key, (set) => releaseLease(set, holder, clock()));
      }
    },
    async running(tenant, functionName) {
      const entry = await kv.get(functionKey(tenant, functionName));
      if (!entry || entry.operation !== 'PUT' || entry.length === 0) return 0;
      return Object.keys(liveLeases(entry.json<LeaseSet>(), clock())).length;
    },
  };
}
