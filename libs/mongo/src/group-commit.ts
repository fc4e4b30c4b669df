/*
 * Group commit: concurrent single writes become one bulk write. The first write goes out at once;
 * writes that arrive while it is in flight wait for it and then go out together, so a quiet system
 * keeps single-write latency and a busy one writes in bulk (insertMany is ~10× faster per document
 * than insertOne on a MongoDB-wire server). Written by hand: the batching libraries we know
 * (DataLoader and kin) batch per tick, which gives batches of one under real concurrency.
 */

/** Writes a batch; returns, per item in order, nothing (written) or the error that item met. */
export type BulkWrite<T> = (items: T[]) => Promise<(Error | undefined)[]>;

export function groupCommit<T>(write: BulkWrite<T>, maxBatch = 1_000): (item: T) => Promise<void> {
  let waiting: { item: T; resolve: () => void; reject: (err: unknown) => void }[] = [];
  let flushing = false;

  const flush = async (): Promise<void> => {
    flushing = true;
    while (waiting.length > 0) {
      const batch = waiting.slice(0, maxBatch);
      waiting = waiting.slice(batch.length);
      try {
        const errors = await write(batch.map((w) => w.item));
        batch.forEach((w, i) => {
          const err = errors[i];
          if (err) w.reject(err);
          else w.resolve();
        });
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    flushing = false;
  };

  return (item) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (!flushing) void flush();
    });
}

/**
 * The per-document errors of an unordered insertMany (a duplicate key is one document's error,
 * the rest are written); any other failure fails the whole batch.
 */
export function insertErrors(count: number, err: unknown): (Error | undefined)[] {
  type WriteError = { index: number; code?: number; errmsg?: string };
  // The driver gives one WriteError or an array of them.
  const raw = (err as { writeErrors?: WriteError | WriteError[] }).writeErrors;
  if (!raw) throw err;
  const errors: (Error | undefined)[] = new Array(count).fill(undefined);
  for (const e of Array.isArray(raw) ? raw : [raw]) {
    errors[e.index] = Object.assign(new Error(e.errmsg ?? 'write error'), { code: e.code });
  }
  return errors;
}
