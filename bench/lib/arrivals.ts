/**
 * Completions recorded in a bench child (task id → monotonic ms), handed out by id prefix: several
 * watches may run at once (the warm-ups do), and each must get its own ids and no one else's.
 * What nobody claims expires, so the log stays bounded.
 */
export class ArrivalLog {
  private readonly arrivals = new Map<string, number>();
  private readonly seen = new Set<string>();
  duplicates = 0;

  constructor(private readonly expireMs = 10 * 60_000) {}

  record(id: string, atMs: number): void {
    if (this.seen.has(id)) {
      this.duplicates += 1;
      return;
    }
    this.seen.add(id);
    this.arrivals.set(id, atMs);
  }

  /** Removes and returns the arrivals whose id starts with the prefix. */
  take(prefix: string, nowMs: number): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    for (const [id, at] of this.arrivals) {
      if (id.startsWith(prefix)) {
        out.push([id, at]);
        this.arrivals.delete(id);
      } else if (nowMs - at > this.expireMs) {
        this.arrivals.delete(id);
      }
    }
    return out;
  }
}
