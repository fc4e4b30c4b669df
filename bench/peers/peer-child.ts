import type { Child } from '../lib/child.js';
import type { Completion, CompletionSource } from '../lib/completions.js';

/** A peer consumer child's completions ([id, monotonic ms] pairs) as a completion source. */
export function consumerSource(child: Child): CompletionSource {
  return {
    name: 'consumer',
    async take(_pending, idPrefix): Promise<Completion[]> {
      const done = await child.call<Array<[string, number]>>('take', idPrefix);
      return done.map(([id, t]) => ({ id, status: 'Succeeded', atMs: t, seenMs: t }));
    },
  };
}
