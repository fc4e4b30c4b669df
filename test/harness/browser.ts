import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from '../../scripts/stack.js';

/**
 * Debian's chromium, headless, driven by playwright-core (installed by
 * deploy/local/install-chromium.sh when missing; no browser download), in a throwaway profile.
 */
export async function launchChromium(
  executablePath: string,
  stepMs: number,
): Promise<{ context: BrowserContext; page: Page; close(): Promise<void> }> {
  if (!existsSync(executablePath)) {
    execFileSync('bash', [join(ROOT, 'deploy', 'local', 'install-chromium.sh')], { stdio: 'inherit' });
  }
  const profile = mkdtempSync(join(tmpdir(), 'asyncfn-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 800 },
  });
  context.setDefaultTimeout(stepMs);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
