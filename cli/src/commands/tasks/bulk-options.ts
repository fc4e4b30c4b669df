import type { Command } from 'commander';

/** The filter options bulk stop and bulk re-run share. */
export function addBulkOptions(command: Command, verb: string): Command {
  return command
    .option('--fn <name>', `bulk: ${verb} tasks of this function (default: every function)`)
    .option('--status <state>', `bulk: ${verb} tasks in this state`)
    .option('--prefix <p>', `bulk: ${verb} tasks whose id starts with this`)
    .option('--since <when>', 'bulk: accepted since (10m, 2h, an ISO date or epoch ms)')
    .option('--until <when>', 'bulk: accepted until (same forms)')
    .option('--dry-run', 'bulk: only count the tasks')
    .option('-y, --yes', 'bulk: do not ask for confirmation');
}
