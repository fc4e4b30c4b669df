import { Command } from 'commander';
import { contextOf } from '../../context.js';
import { formatTime, printJson, renderTable } from '../../output.js';
import { listAllFunctions } from '../../tasks-api.js';

export function functionsLs(): Command {
  return new Command('ls')
    .alias('list')
    .description('list the functions of the account')
    .action(async (_opts, command: Command) => {
      const { api, json } = contextOf(command);
      const functions = await listAllFunctions(api);
      if (json) return printJson(functions);
      if (functions.length === 0) return console.log('no functions yet (asyncfn deploy <dir> creates one)');
      console.log(
        renderTable(
          ['NAME', 'RUNTIME', 'HANDLER', 'MEMORY', 'TIMEOUT', 'MODIFIED'],
          functions.map((f) => [
            f.functionName,
            f.runtime,
            f.handler,
            f.memorySize !== undefined ? `${f.memorySize} MB` : undefined,
            f.timeout !== undefined ? `${f.timeout}s` : undefined,
            f.lastModifiedTime ? formatTime(Date.parse(f.lastModifiedTime)) : undefined,
          ]),
        ),
      );
    });
}
