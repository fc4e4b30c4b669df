import { Command } from 'commander';
import { tasksGet } from './get.js';
import { tasksLs } from './ls.js';
import { tasksRerun } from './rerun.js';
import { tasksStop } from './stop.js';
import { tasksWatch } from './watch.js';

export function tasksCommand(): Command {
  return new Command('tasks')
    .description('list, show, follow, stop and re-run tasks')
    .addCommand(tasksLs())
    .addCommand(tasksGet())
    .addCommand(tasksWatch())
    .addCommand(tasksStop())
    .addCommand(tasksRerun());
}
