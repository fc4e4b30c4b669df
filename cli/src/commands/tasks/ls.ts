import { Command, Option } from 'commander';
import { contextOf } from '../../context.js';
import { parseSince } from '../../duration.js';
import { formatMs, formatTime, printJson, renderTable, stateWord } from '../../output.js';
import { parseCount } from '../../parse.js';
import { listAllFunctions, listTasks } from '../../tasks-api.js';

interface LsOptions {
  fn?: string[];
  status?: string;
  prefix?: string;
  since?: string;
  until?: string;
  limit: string;
}

export function tasksLs(): Command {
  return new Command('ls')
    .alias('list')
    .description('list tasks, newest first: of one or more functions (--fn), or of all of them')
    .addOption(new Option('--fn <name...>', 'only these functions (default: every function)'))
    .option('--status <state>', 'only tasks in this state (Enqueued, Running, Succeeded, Failed, ...)')
    .option('--prefix <p>', 'only task ids starting with this')
    .option(
      '--since <when>',
      'accepted since: a duration back from now (10m, 2h, 1d), an ISO date or epoch ms',
    )
    .option('--until <when>', 'accepted until (same forms as --since)')
    .option('--limit <n>', 'at most this many tasks', '50')
    .addHelpText('after', '\nExample:\n  asyncfn tasks ls --status Failed --since 1h')
    .action(async (opts: LsOptions, command: Command) => {
      const { api, json } = contextOf(command);
      const now = Date.now();
      const limit = parseCount(opts.limit, '--limit');
      const names = opts.fn ?? (await listAllFunctions(api)).map((f) => f.functionName);
      const tasks = await listTasks(
        api,
        names,
        {
          ...(opts.status ? { status: opts.status } : {}),
          ...(opts.prefix ? { prefix: opts.prefix } : {}),
          ...(opts.since ? { startedTimeBegin: parseSince(opts.since, now) } : {}),
          ...(opts.until ? { startedTimeEnd: parseSince(opts.until, now) } : {}),
        },
        limit,
      );
      if (json) return printJson(tasks);
      if (tasks.length === 0) return console.log('no tasks match');
      console.log(
        renderTable(
          ['TASK ID', 'FUNCTION', 'STATUS', 'STARTED', 'DURATION', 'ATTEMPTS'],
          tasks.map((t) => [
            t.taskId,
            t.functionName,
            stateWord(t.status),
            formatTime(t.startedTime),
            formatMs(t.durationMs ?? (t.endTime ? t.endTime - t.startedTime : undefined)),
            t.invokeCount,
          ]),
        ),
      );
    });
}
