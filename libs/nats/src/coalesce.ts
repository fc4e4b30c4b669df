/**
 * Holding back the messages of a group (a task) until it closes (its terminal event) or its
 * window passes, so one write carries all of a short task's events instead of one per batch.
 * `M` is what the consumer holds: a received message with its decoded value.
 */
export interface Coalescing<M> {
  windowMs: number;
  /** The group of a message; undefined: never held. */
  keyOf(msg: M): string | undefined;
  /** True for the message that closes its group (nothing more is expected soon). */
  closes(msg: M): boolean;
  /**
   * A group's leading message, which may come long before the rest (a task's claim, while the
   * task waits in a queue): a group of leading messages only is held up to `leadWindowMs`, and
   * the usual window starts with its first other message.
   */
  leads?(msg: M): boolean;
  leadWindowMs?: number;
}

/** The same coalescing with each message's group and lead worked out once (held messages come round again). */
export function cachedGroups<M extends object>(coalesce: Coalescing<M>): Coalescing<M> {
  const keys = new WeakMap<M, string | undefined>();
  const leading = new WeakMap<M, boolean>();
  const { leads } = coalesce;
  return {
    ...coalesce,
    keyOf(msg) {
      if (keys.has(msg)) return keys.get(msg);
      const key = coalesce.keyOf(msg);
      keys.set(msg, key);
      return key;
    },
    ...(leads && {
      leads(msg: M) {
        let lead = leading.get(msg);
        if (lead === undefined) leading.set(msg, (lead = leads(msg)));
        return lead;
      },
    }),
  };
}

/**
 * Splits taken messages into those to handle now and those to hold (order kept in both). A group's
 * window starts when its first message reached this consumer, not when it was published: a
 * consumer that has fallen behind still finds a task's later events right behind its first one,
 * and one write then still carries them all (timed from publication, every task of a backlog
 * would be written once per event, the slowest way to catch up).
 */
export function holdOpenGroups<M>(
  msgs: M[],
  coalesce: Coalescing<M>,
  nowMs: number,
  arrivedAt: (msg: M) => number,
): { ready: M[]; held: M[]; wakeInMs: number } {
  const keys = msgs.map((m) => coalesce.keyOf(m));
  const release = new Set<string>();
  // Per group: when its window started and how long it is.
  const windows = new Map<string, { from: number; ms: number; leadOnly: boolean }>();
  msgs.forEach((m, i) => {
    const key = keys[i];
    if (key === undefined) return;
    const lead = coalesce.leads?.(m) ?? false;
    const w = windows.get(key);
    if (!w) {
      const ms = lead ? (coalesce.leadWindowMs ?? coalesce.windowMs) : coalesce.windowMs;
      windows.set(key, { from: arrivedAt(m), ms, leadOnly: lead });
    } else if (w.leadOnly && !lead) {
      windows.set(key, { from: arrivedAt(m), ms: coalesce.windowMs, leadOnly: false });
    }
    if (coalesce.closes(m)) release.add(key);
  });
  for (const [key, w] of windows) if (nowMs - w.from >= w.ms) release.add(key);
  const ready: M[] = [];
  const held: M[] = [];
  let wakeInMs = Number.POSITIVE_INFINITY;
  msgs.forEach((m, i) => {
    const key = keys[i];
    if (key === undefined || release.has(key)) ready.push(m);
    else {
      held.push(m);
      const w = windows.get(key)!;
      wakeInMs = Math.min(wakeInMs, Math.max(1, w.from + w.ms - nowMs));
    }
  });
  if (held.length === 0) wakeInMs = coalesce.windowMs;
  return { ready, held, wakeInMs };
}
