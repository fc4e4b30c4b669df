import { TERMINAL_STATUSES, type TaskStatus } from '@asyncfn/contracts';
import { monoMs, sleep } from '../lib/clock.js';
import type { Correctness } from '../report/types.js';
import type { ReadModel } from './read-model.js';

/**
 * Invariant 1 as the bench sees it: every task answered 202 has a document in a terminal status,
 * and its history holds exactly one terminal event. Waits (bounded) for stragglers first.
 */
export async function checkCorrectness(
  readModel: ReadModel,
  functionName: string,
  idPrefix: string,
  accepted: number,
  timeoutMs: number,
): Promise<Correctness> {
  const deadline = monoMs() + timeoutMs;
  let byStatus: Record<string, number> = {};
  for (;;) {
    byStatus = await readModel.statusCounts(functionName, idPrefix);
    const terminal = Object.entries(byStatus)
      .filter(([s]) => TERMINAL_STATUSES.has(s as TaskStatus))
      .reduce((a, [, n]) => a + n, 0);
    if (terminal >= accepted || monoMs() > deadline) break;
    await sleep(500);
  }
  const count = (terminal: boolean) =>
    Object.entries(byStatus)
      .filter(([s]) => TERMINAL_STATUSES.has(s as TaskStatus) === terminal)
      .reduce((a, [, n]) => a + n, 0);
  const total = Object.values(byStatus).reduce((a, n) => a + n, 0);
  const multipleTerminal = await readModel.multipleTerminals(idPrefix);
  const missingDocs = Math.max(0, accepted - total);
  const terminalNotSucceeded = count(true) - (byStatus.Succeeded ?? 0);
  const nonTerminal = count(false);
  const violated = missingDocs > 0 || multipleTerminal > 0 || terminalNotSucceeded > 0;
  const verdict = violated ? 'violated' : nonTerminal > 0 ? 'incomplete' : 'ok';
  return {
    accepted,
    byStatus,
    missingDocs,
    multipleTerminal,
    terminalNotSucceeded,
    nonTerminal,
    extraDocs: Math.max(0, total - accepted),
    verdict,
    ok: verdict === 'ok',
  };
}
