import { Command } from 'commander';
import { isTerminalState } from '../api-types.js';
import { contextOf } from '../context.js';
import { printJson } from '../output.js';
import { getTask, taskPath } from '../tasks-api.js';

interface LogRecord {
  taskId: string;
  logs: string;
  truncated: boolean;
  attempts: number;
}

/** Pure: what to print of `next` after `printed` was printed (the log may have dropped its oldest part). */
export function newLogText(printed: string, next: string): string {
  if (next.startsWith(printed)) return next.slice(printed.length);
  // The server dropped the oldest output (256 KB cap): print what follows the longest overlap.
  for (let keep = Math.min(printed.length, next.length); keep > 0; keep--) {
    if (next.startsWith(printed.slice(printed.length - keep))) return next.slice(keep);
  }
  return next;
}

export function logsCommand(): Command {
  return new Command('logs')
    .description("a task's captured output (function and lifecycle hooks), every attempt under a header line")
    .argument('<fn>', 'function name')
    .argument('<id>', 'task id')
    .option('-f, --follow', 'keep printing new output until the task ends')
    .action(async (fn: string, id: string, opts: { follow?: boolean }, command: Command) => {
      const { api, json } = contextOf(command);
      const read = () => api.call<LogRecord>('GET', `${taskPath(fn, id)}/logs`);
      if (!opts.follow) {
        const record = await read();
        if (json) return printJson(record);
        process.stdout.write(record.logs);
        if (record.truncated) console.error('asyncfn: the oldest output was dropped (256 KB per task)');
        return;
      }
      let printed = '';
      for (;;) {
        // The state first: output written before the task ended is then in the read that follows.
        const done = isTerminalState((await getTask(api, fn, id)).status);
        const record = await read();
        const text = newLogText(printed, record.logs);
        if (json) {
          if (text) printJson({ taskId: id, logs: text });
        } else process.stdout.write(text);
        printed = record.logs;
        if (done) return;
        await new Promise((r) => setTimeout(r, 1000));
      }
    });
}
