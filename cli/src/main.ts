import { CommanderError } from 'commander';
import { CliError, ExitCode } from './errors.js';
import { buildProgram } from './program.js';

/*
 * Entry point: runs the command, and turns every error into one line on stderr and an exit code
 * (cli/README.md, "Exit codes").
 */
try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version are "errors" to commander; its own message is already printed.
    process.exitCode =
      err.code === 'commander.helpDisplayed' ||
      err.code === 'commander.version' ||
      err.code === 'commander.help'
        ? ExitCode.Ok
        : ExitCode.Usage;
  } else if (err instanceof CliError) {
    console.error(`asyncfn: ${err.message}`);
    process.exitCode = err.exitCode;
  } else {
    console.error(`asyncfn: unexpected error: ${(err as Error).stack ?? String(err)}`);
    process.exitCode = ExitCode.Error;
  }
}
