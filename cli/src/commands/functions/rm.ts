import { Command } from 'commander';
import { contextOf } from '../../context.js';
import { printJson } from '../../output.js';

export function functionsRm(): Command {
  return new Command('rm')
    .alias('delete')
    .description('delete a function (its tasks stay queryable until they expire)')
    .argument('<fn...>', 'function names')
    .action(async (names: string[], _opts, command: Command) => {
      const { api, json } = contextOf(command);
      for (const name of names) await api.request('DELETE', `/functions/${encodeURIComponent(name)}`);
      if (json) return printJson({ deleted: names });
      for (const name of names) console.log(`deleted ${name}`);
    });
}
