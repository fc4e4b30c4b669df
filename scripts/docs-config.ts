/*
 * npm run docs:config: writes the README's configuration tables from libs/config's settings
 * (between the config:start and config:end markers). libs/config/src/config-docs.unit.test.ts
 * fails while the README differs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withConfigDocs } from '@asyncfn/config';
import { ROOT } from './stack.js';

const readme = join(ROOT, 'README.md');
const before = readFileSync(readme, 'utf8');
const after = withConfigDocs(before);
if (after === before) {
  console.log('README.md: the configuration section is up to date');
} else {
  writeFileSync(readme, after);
  console.log('README.md: configuration section written');
}
