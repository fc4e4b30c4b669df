import { createInterface } from 'node:readline/promises';
import { SingleBar } from 'cli-progress';
import type { BulkOperation } from './api-types.js';
import type { Context } from './context.js';
import { parseSince } from './duration.js';
import { CliError, ExitCode, UsageError } from './errors.js';
import { printJson, renderFields, stateWord } from './output.js';

/*
 * Bulk stop / re-run by filter (the server's async-task-bulk-operations extension): count first
 * (a dry run), confirm, start, then follow the operation with a progress bar.
 */

export interface BulkFilterOptions {
  fn?: string;
  status?: string;
  prefix?: string;
  since?: string;
  until?: string;
}

export interface BulkFlags extends BulkFilterOptions {
  yes?: boolean;
  dryRun?: boolean;
}

export const hasBulkFilter = (o: BulkFilterOptions) =>
  [o.fn, o.status, o.prefix, o.since, o.until].some((v) => v !== undefined);

/** Pure: the request body for a filter given on the command line. */
export function bulkRequestBody(action: 'Stop' | 'Rerun', o: BulkFilterOptions, now: number) {
  return {
    action,
    ...(o.fn !== undefined ? { functionName: o.fn } : {}),
    ...(o.status !== undefined ? { status: o.status } : {}),
    ...(o.prefix !== undefined ? { prefix: o.prefix } : {}),
    ...(o.since !== undefined ? { startedTimeBegin: parseSince(o.since, now) } : {}),
    ...(o.until !== undefined ? { startedTimeEnd: parseSince(o.until, now) } : {}),
  };
}

const describeFilter = (o: BulkFilterOptions) =>
  [
    o.fn ? `of ${o.fn}` : 'of every function',
    o.status ? `${o.status}` : undefined,
    o.prefix ? `with ids starting ${o.prefix}` : undefined,
    o.since ? `since ${o.since}` : undefined,
    o.until ? `until ${o.until}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export async function runBulk(ctx: Context, action: 'Stop' | 'Rerun', flags: BulkFlags): Promise<void> {
  const { api, json } = ctx;
  const body = bulkRequestBody(action, flags, Date.now());
  const verb = action === 'Stop' ? 'stop' : 're-run';
  const count = await api.call<BulkOperation>('POST', '/async-task-bulk-operations', {
    body: { ...body, dryRun: true },
  });
  if (flags.dryRun || count.matched === 0) {
    if (json) return printJson(count);
    console.log(
      `${count.matched} task${count.matched === 1 ? '' : 's'} to ${verb} (${describeFilter(flags)})`,
    );
    return;
  }
  if (!flags.yes) {
    if (!process.stdin.isTTY) {
      throw new UsageError(
        `would ${verb} ${count.matched} tasks; add --yes to go ahead without a terminal to ask`,
      );
    }
    const ok = await confirm(`${verb} ${count.matched} tasks (${describeFilter(flags)})? [y/N] `);
    if (!ok) throw new CliError('cancelled', ExitCode.Usage);
  }
  let op = await api.call<BulkOperation>('POST', '/async-task-bulk-operations', { body });
  const bar = new SingleBar({
    format: `${verb} {bar} {value}/{total} tasks | {failed} failed`,
    stream: process.stderr,
    hideCursor: true,
    // A bar only on a terminal; scripts get the final result.
    noTTYOutput: false,
  });
  const showBar = ctx.interactive && !json;
  if (showBar) bar.start(op.matched, 0, { failed: 0 });
  while (op.state === 'Running') {
    await new Promise((r) => setTimeout(r, 500));
    op = await api.call<BulkOperation>('GET', `/async-task-bulk-operations/${op.operationId}`);
    if (showBar) {
      bar.setTotal(Math.max(op.matched, op.succeeded + op.failed));
      bar.update(op.succeeded + op.failed, { failed: op.failed });
    }
  }
  if (showBar) bar.stop();
  if (json) printJson(op);
  else {
    console.log(
      renderFields([
        ['operation', op.operationId],
        ['state', stateWord(op.state)],
        ['matched', op.matched],
        ['succeeded', op.succeeded],
        ['failed', op.failed],
        [
          'last error',
          op.lastError
            ? `${op.lastError.taskId ?? ''} ${op.lastError.code}: ${op.lastError.message}`.trim()
            : undefined,
        ],
      ]),
    );
  }
  if (op.state === 'Failed') {
    throw new CliError(
      `bulk ${verb} failed: ${op.lastError?.code ?? ''} ${op.lastError?.message ?? ''}`.trim(),
    );
  }
  if (op.failed > 0) process.exitCode = ExitCode.Partial;
}
