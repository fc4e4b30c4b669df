import type { CompletionSource } from './completions.js';
import type { ProcTarget } from './resources.js';

/**
 * What the workloads need of a queueing system, asyncfn and its peers alike: accept one piece of
 * work (resolves once the system acknowledged it, throws if refused), report completions, and
 * stop and restart its consumers (for the backlog drain).
 */
export interface SystemUnderTest {
  name: string;
  submit(id: string, payload: Buffer): Promise<void>;
  /** Where completions are observed; the first is the primary one. */
  sources(): CompletionSource[];
  /** Stop consuming (work piles up). */
  pauseConsumers(): Promise<void>;
  /** Consume again; resolves once the consumers are running. */
  resumeConsumers(): Promise<void>;
  /**
   * Stops everything behind the intake, so accepting has the machine to itself (asyncfn: the four
   * services behind the ingress); resolves with what starts them again and waits (bounded) until
   * they have worked off what was accepted meanwhile. Peers have nothing to stop.
   */
  isolateIntake?(): Promise<(timeoutMs: number) => Promise<void>>;
  /**
   * Resolves when everything submitted so far has reached the consumers' queue and the system's
   * own bookkeeping has caught up (bounded), checked every `pollMs`. `ran`: and the consumers
   * have worked off their queue too.
   */
  settle(timeoutMs: number, options?: { pollMs?: number; ran?: boolean }): Promise<void>;
  /** The processes to measure (CPU, RSS). */
  targets(): ProcTarget[];
}
