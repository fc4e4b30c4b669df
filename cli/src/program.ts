import { Command, Option } from 'commander';
import { deployCommand } from './commands/deploy.js';
import { functionsCommand } from './commands/functions/index.js';
import { invokeCommand } from './commands/invoke.js';
import { logsCommand } from './commands/logs.js';
import { queueCommand } from './commands/queue/receive.js';
import { tasksCommand } from './commands/tasks/index.js';

export const VERSION = '0.1.0';

/** The whole command tree; every command gets --help from commander. */
export function buildProgram(): Command {
  const program = new Command('asyncfn')
    .description('asyncfn command line: deploy functions, invoke them, list, watch, stop and re-run tasks')
    .version(VERSION)
    .addOption(new Option('--profile <name>', 'profile of ~/.asyncfn/config').env('ASYNCFN_PROFILE'))
    .option('--endpoint <url>', 'API endpoint (overrides the profile and ASYNCFN_ENDPOINT)')
    .option('--json', 'machine-readable JSON on stdout instead of tables')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Credentials: ASYNCFN_ENDPOINT, ASYNCFN_ACCESS_KEY_ID, ASYNCFN_ACCESS_KEY_SECRET, or a profile of
~/.asyncfn/config; with nothing configured, the local stack (http://127.0.0.1:9000, local key).
Exit codes: 0 ok, 1 API error or unreachable, 2 usage, 3 task ended other than Succeeded,
4 bulk operation done with some tasks it could not act on.`,
    );
  program.exitOverride();
  for (const command of [
    deployCommand(),
    functionsCommand(),
    invokeCommand(),
    tasksCommand(),
    logsCommand(),
    queueCommand(),
  ]) {
    program.addCommand(command);
  }
  // Subcommands added with addCommand do not inherit these: set them on every level.
  const everywhere = (c: Command) => {
    c.exitOverride().showHelpAfterError('(add --help for usage)');
    c.commands.forEach(everywhere);
  };
  everywhere(program);
  return program;
}
