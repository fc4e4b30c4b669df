import { Command } from 'commander';
import { isTerminalState } from '../../api-types.js';
import { contextOf } from '../../context.js';
import {
  formatMs,
  formatTime,
  printJson,
  renderFields,
  renderTable,
  stateWord,
  truncate,
} from '../../output.js';
import { getTask } from '../../tasks-api.js';
import { TIMELINE_HEAD, timelineRows } from '../../timeline.js';

export function tasksGet(): Command {
  return new Command('get')
    .description('a task: its state, result or error, and its event timeline')
    .argument('<fn>', 'function name')
    .argument('<id>', 'task id')
    .action(async (fn: string, id: string, _opts, command: Command) => {
      const { api, json } = contextOf(command);
      const task = await getTask(api, fn, id);
      if (json) return printJson(task);
      const terminal = isTerminalState(task.status);
      console.log(
        renderFields([
          ['task', task.taskId],
          ['function', fn],
          ['status', stateWord(task.status)],
          ['started', formatTime(task.startedTime)],
          ['due', formatTime(task.dueTime)],
          ['ended', formatTime(task.endTime)],
          ['duration', formatMs(task.durationMs)],
          ['attempts', task.invokeCount],
          ['re-run of', task.rerunOf],
          ['instance', task.instanceId],
          ['destination', task.destinationStatus],
          ['payload', truncate(task.taskPayload, 100)],
          ['result', truncate(task.returnPayload, 100)],
          ['error', truncate(task.taskErrorMessage, 100)],
        ]),
      );
      console.log('');
      console.log(renderTable(TIMELINE_HEAD, timelineRows(task, Date.now(), terminal)));
    });
}
