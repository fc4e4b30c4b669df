import { Command } from 'commander';
import { contextOf } from '../../context.js';
import { parseDuration } from '../../duration.js';
import { printJson, stateWord, truncate } from '../../output.js';
import { exitCodeOf, watchTask } from '../../watch.js';

export function tasksWatch(): Command {
  return new Command('watch')
    .description(
      'follow a task live until it ends (exit 0 if it Succeeded, 3 if Failed, Stopped, Expired or Invalid)',
    )
    .argument('<fn>', 'function name')
    .argument('<id>', 'task id')
    .option('--timeout <duration>', 'give up (exit 1) after this long, e.g. 5m')
    .action(async (fn: string, id: string, opts: { timeout?: string }, command: Command) => {
      const { api, json, interactive } = contextOf(command);
      const task = await watchTask(api, fn, id, {
        json,
        interactive,
        ...(opts.timeout ? { timeoutMs: parseDuration(opts.timeout) } : {}),
      });
      if (json) printJson(task);
      else {
        const outcome = task.returnPayload ?? task.taskErrorMessage;
        console.log(
          `${task.taskId} ${stateWord(task.status)}${outcome ? `: ${truncate(outcome, 200)}` : ''}`,
        );
      }
      process.exitCode = exitCodeOf(task);
    });
}
