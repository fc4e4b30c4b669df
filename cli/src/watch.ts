import ora from 'ora';
import { isTerminalState, type AsyncTask } from './api-types.js';
import type { ApiClient } from './client.js';
import { CliError, ExitCode } from './errors.js';
import { formatMs, formatTime, stateWord } from './output.js';
import { getTask } from './tasks-api.js';

/**
 * Follows a task until it ends: a spinner with the current state on a terminal, and a line per
 * new state (on stdout, unless --json). Returns the final task; the exit code is the caller's.
 */
export async function watchTask(
  api: ApiClient,
  fn: string,
  id: string,
  options: { json: boolean; interactive: boolean; everyMs?: number; timeoutMs?: number },
): Promise<AsyncTask> {
  const enabled = options.interactive && !options.json;
  const spinner = ora({ stream: process.stderr, isEnabled: enabled });
  const began = Date.now();
  let seen = 0;
  // Off a terminal ora would still print its first text: scripts get the state lines only.
  if (enabled) spinner.start(`${id}: waiting`);
  try {
    for (;;) {
      const task = await getTask(api, fn, id);
      const events = [...(task.events ?? [])].sort((a, b) => a.eventId - b.eventId);
      if (!options.json) {
        for (const e of events.slice(seen)) {
          spinner.clear();
          const detail = e.eventDetail
            ? `${' '.repeat(Math.max(0, 9 - e.status.length))}  ${e.eventDetail}`
            : '';
          console.log(`${formatTime(e.timestamp)}  ${stateWord(e.status)}${detail}`);
        }
      }
      seen = Math.max(seen, events.length);
      if (isTerminalState(task.status)) {
        spinner.stop();
        return task;
      }
      spinner.text = `${id}: ${stateWord(task.status)} (${formatMs(Date.now() - task.startedTime)} since accepted)`;
      if (options.timeoutMs !== undefined && Date.now() - began > options.timeoutMs) {
        throw new CliError(
          `${id} is still ${task.status} after ${formatMs(options.timeoutMs)}`,
          ExitCode.Error,
        );
      }
      await new Promise((r) => setTimeout(r, options.everyMs ?? 500));
    }
  } finally {
    spinner.stop();
  }
}

/** 0 for Succeeded, 3 for any other end. */
export const exitCodeOf = (task: AsyncTask) =>
  task.status === 'Succeeded' ? ExitCode.Ok : ExitCode.TaskUnsuccessful;
