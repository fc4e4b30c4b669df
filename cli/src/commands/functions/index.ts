import { Command } from 'commander';
import { functionsGet } from './get.js';
import { functionsLs } from './ls.js';
import { functionsRm } from './rm.js';

export function functionsCommand(): Command {
  return new Command('functions')
    .alias('fn')
    .description('list, show and delete functions')
    .addCommand(functionsLs())
    .addCommand(functionsGet())
    .addCommand(functionsRm());
}
