import { Command } from 'commander';
import { runBulk, hasBulkFilter, type BulkFlags } from '../../bulk.js';
import { contextOf } from '../../context.js';
import { editText } from '../../editor.js';
import { UsageError } from '../../errors.js';
import { printJson } from '../../output.js';
import { parseSeconds, readPayload } from '../../payload.js';
import { getTask, taskPath } from '../../tasks-api.js';
import { addBulkOptions } from './bulk-options.js';

type RerunOptions = BulkFlags & { edit?: boolean; data?: string; id?: string; delay?: string };

export function tasksRerun(): Command {
  const command = new Command('rerun')
    .description(
      'run a finished task again as a new task (rerunOf), or every finished task a filter matches (bulk)',
    )
    .argument('[fn]', 'function name')
    .argument('[id]', 'task id')
    .option('--edit', 'edit the payload in $EDITOR first')
    .option('--data <payload>', 'a new payload: the text, @file, or @- for stdin')
    .option('--id <newId>', 'the new task id (default: the request id)')
    .option('--delay <seconds>', 'delay the new task');
  return addBulkOptions(command, 're-run')
    .addHelpText(
      'after',
      '\nExamples:\n  asyncfn tasks rerun flaky flaky-1 --edit\n  asyncfn tasks rerun --fn flaky --status Failed --since 1h --yes',
    )
    .action(async (fn: string | undefined, id: string | undefined, opts: RerunOptions, cmd: Command) => {
      const ctx = contextOf(cmd);
      if (fn === undefined && id === undefined) {
        if (!hasBulkFilter(opts))
          throw new UsageError(
            'give <fn> <id>, or a filter (--fn, --status, --prefix, --since) for a bulk re-run',
          );
        return runBulk(ctx, 'Rerun', opts);
      }
      if (id === undefined) throw new UsageError('missing task id: asyncfn tasks rerun <fn> <id>');
      if (hasBulkFilter(opts)) throw new UsageError('give either <fn> <id> or a bulk filter, not both');
      if (opts.edit && opts.data !== undefined) throw new UsageError('--edit and --data: choose one');
      let payload: Buffer | undefined = opts.data !== undefined ? readPayload(opts.data) : undefined;
      if (opts.edit) {
        const original = await getTask(ctx.api, fn!, id);
        payload = Buffer.from(editText(original.taskPayload ?? ''), 'utf8');
      }
      const res = await ctx.api.request('POST', `${taskPath(fn!, id)}/rerun`, {
        headers: {
          ...(opts.id ? { 'x-fc-async-task-id': opts.id } : {}),
          ...(opts.delay !== undefined
            ? { 'x-fc-async-delay': String(parseSeconds(opts.delay, '--delay')) }
            : {}),
        },
        ...(payload && payload.length > 0 ? { body: payload } : {}),
      });
      const accepted = res.json<{ taskId: string; requestId: string; rerunOf: string }>();
      if (ctx.json) return printJson(accepted);
      console.log(`re-running ${id} as ${accepted.taskId} (asyncfn tasks watch ${fn} ${accepted.taskId})`);
    });
}
