import { Command, Option } from 'commander';
import { contextOf } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import { printJson, stateWord, truncate } from '../output.js';
import { parseSeconds, readPayload } from '../payload.js';
import { exitCodeOf, watchTask } from '../watch.js';

interface InvokeOptions {
  async?: boolean;
  invocationType?: string;
  id?: string;
  data?: string;
  event?: string;
  eventFile?: string;
  delay?: string;
  wait?: boolean;
}

/** Pure: the payload and mode of an invocation from its flags (asyncfn's and `s invoke`'s). */
export function invocationOf(opts: InvokeOptions): { async: boolean; payload: Buffer } {
  const given = [opts.data, opts.event, opts.eventFile].filter((v) => v !== undefined);
  if (given.length > 1) throw new UsageError('give the payload once: --data, -e/--event or -f/--event-file');
  const type = opts.invocationType?.toLowerCase();
  if (type !== undefined && type !== 'sync' && type !== 'async') {
    throw new UsageError(`--invocation-type: Sync or Async, not '${opts.invocationType}'`);
  }
  const async = opts.async === true || type === 'async';
  if (!async && (opts.id !== undefined || opts.delay !== undefined || opts.wait)) {
    throw new UsageError('--id, --delay and --wait apply to async invocations (--async)');
  }
  const payload =
    opts.data !== undefined
      ? readPayload(opts.data)
      : opts.event !== undefined
        ? Buffer.from(opts.event, 'utf8')
        : opts.eventFile !== undefined
          ? readPayload(`@${opts.eventFile}`)
          : Buffer.alloc(0);
  return { async, payload };
}

export function invokeCommand(): Command {
  return new Command('invoke')
    .description('invoke a function: sync prints its result; --async accepts a task and prints its id')
    .argument('<fn>', 'function name')
    .option('--async', 'invoke asynchronously: a task (202)')
    .addOption(new Option('--invocation-type <type>', 'Sync or Async (as `s invoke`)'))
    .option('--id <taskId>', 'the task id (async; default: the request id)')
    .option('--data <payload>', 'the payload: the text itself, @file, or @- for stdin')
    .option('-e, --event <payload>', 'the payload text (as `s invoke -e`)')
    .option('-f, --event-file <file>', 'the payload from a file (as `s invoke -f`)')
    .option('--delay <seconds>', 'async: run the task this many seconds later')
    .option('--wait', 'async: follow the task until it ends (exit 3 unless it Succeeded)')
    .addHelpText(
      'after',
      '\nExamples:\n  asyncfn invoke hello --data \'{"name":"x"}\'\n  asyncfn invoke hello --async --id job-1 --delay 60\n  asyncfn invoke my-fc-job --invocation-type Async -e \'{"failure":true}\'',
    )
    .action(async (fn: string, opts: InvokeOptions, command: Command) => {
      const { api, json, interactive } = contextOf(command);
      const { async, payload } = invocationOf(opts);
      const res = await api.request('POST', `/functions/${encodeURIComponent(fn)}/invocations`, {
        headers: {
          'x-fc-invocation-type': async ? 'Async' : 'Sync',
          ...(opts.id !== undefined ? { 'x-fc-async-task-id': opts.id } : {}),
          ...(opts.delay !== undefined
            ? { 'x-fc-async-delay': String(parseSeconds(opts.delay, '--delay')) }
            : {}),
        },
        body: payload,
      });
      if (!async) {
        const errorType = res.headers.get('x-fc-error-type');
        if (json) printJson({ statusCode: res.status, errorType: errorType ?? undefined, body: res.text() });
        else
          process.stdout.write(
            res.body.length && !res.text().endsWith('\n') ? `${res.text()}\n` : res.text(),
          );
        if (errorType) {
          if (!json) console.error(`asyncfn: the function failed (${errorType})`);
          process.exitCode = ExitCode.TaskUnsuccessful;
        }
        return;
      }
      // FC answers an async invocation 202 with an empty body: the task id and request id are headers.
      const dueTime = res.headers.get('x-asyncfn-due-time');
      const accepted = {
        taskId: res.headers.get('x-fc-async-task-id') ?? '',
        requestId: res.headers.get('x-fc-request-id') ?? '',
        ...(dueTime ? { dueTime: Number(dueTime) } : {}),
      };
      if (!opts.wait) {
        if (json) return printJson(accepted);
        console.log(accepted.taskId);
        return;
      }
      const task = await watchTask(api, fn, accepted.taskId, { json, interactive });
      if (json) printJson(task);
      else
        console.log(
          `${task.taskId} ${stateWord(task.status)}: ${truncate(task.returnPayload ?? task.taskErrorMessage ?? '', 200)}`,
        );
      process.exitCode = exitCodeOf(task);
    });
}
