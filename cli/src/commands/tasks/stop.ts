import { Command } from 'commander';
import { runBulk, hasBulkFilter, type BulkFlags } from '../../bulk.js';
import { contextOf } from '../../context.js';
import { UsageError } from '../../errors.js';
import { printJson } from '../../output.js';
import { parseCount } from '../../parse.js';
import { taskPath } from '../../tasks-api.js';
import { addBulkOptions } from './bulk-options.js';

type StopOptions = BulkFlags & { forceAfter?: string };

export function tasksStop(): Command {
  const command = new Command('stop')
    .description('stop a task (Stopping, then Stopped), or every task a filter matches (bulk)')
    .argument('[fn]', 'function name')
    .argument('[id]', 'task id')
    .option('--force-after <ms>', 'kill the instance this many ms after the request, PreStop or not');
  return addBulkOptions(command, 'stop')
    .addHelpText(
      'after',
      '\nExamples:\n  asyncfn tasks stop hello job-1\n  asyncfn tasks stop --fn hello --status Enqueued --yes',
    )
    .action(async (fn: string | undefined, id: string | undefined, opts: StopOptions, cmd: Command) => {
      const ctx = contextOf(cmd);
      if (fn === undefined && id === undefined) {
        if (!hasBulkFilter(opts))
          throw new UsageError(
            'give <fn> <id>, or a filter (--fn, --status, --prefix, --since) for a bulk stop',
          );
        return runBulk(ctx, 'Stop', opts);
      }
      if (id === undefined) throw new UsageError('missing task id: asyncfn tasks stop <fn> <id>');
      if (hasBulkFilter(opts)) throw new UsageError('give either <fn> <id> or a bulk filter, not both');
      const res = await ctx.api.call<{ taskId: string; requestId: string; forceAt?: number }>(
        'PUT',
        `${taskPath(fn!, id)}/stop`,
        {
          query: {
            forceAfterMs:
              opts.forceAfter !== undefined
                ? parseCount(opts.forceAfter, '--force-after', 3_600_000, 0)
                : undefined,
          },
        },
      );
      if (ctx.json) return printJson(res);
      console.log(`stopping ${id} (asyncfn tasks watch ${fn} ${id} follows it)`);
    });
}
