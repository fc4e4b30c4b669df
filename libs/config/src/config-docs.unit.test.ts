import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_DOCS_END, CONFIG_DOCS_START, SETTINGS, configDocs, withConfigDocs } from './index.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');

describe("the README's configuration section", () => {
  it('is what `npm run docs:config` writes from the settings', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    // On failure: run `npm run docs:config` and commit the README.
    expect(readme).toBe(withConfigDocs(readme));
  });

  it('lists every setting, per-service ones in one row', () => {
    const docs = configDocs();
    for (const name of Object.keys(SETTINGS)) {
      const perService = /^ASYNCFN_(INGRESS|DISPATCHER|EXECUTOR|STATUS|DESTINATION)_(PORT|NICE)$/.exec(name);
      expect(docs).toContain(perService ? `\`ASYNCFN_<SERVICE>_${perService[2]}\`` : `\`${name}\``);
    }
    expect(docs).toContain('| `ASYNCFN_<SERVICE>_PORT` | ingress `9000`, dispatcher `9101`');
    expect(docs).toContain('| `ASYNCFN_<SERVICE>_NICE` | `0` |');
  });

  it('replaces only what is between the markers, and insists on them', () => {
    const readme = `# title\n\n${CONFIG_DOCS_START}\nstale\n${CONFIG_DOCS_END}\n\n## after\n`;
    const written = withConfigDocs(readme);
    expect(written.startsWith(`# title\n\n${CONFIG_DOCS_START}\n\n**`)).toBe(true);
    expect(written.endsWith(`\n${CONFIG_DOCS_END}\n\n## after\n`)).toBe(true);
    expect(written).not.toContain('stale');
    expect(withConfigDocs(written)).toBe(written);
    expect(() => withConfigDocs('# no markers\n')).toThrow(/markers/);
  });
});
