import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { zipFiles } from '@asyncfn/runtime';
import { ROOT, startStack, type Stack } from '../scripts/stack.js';
import { ensureConsoleBuilt } from '../scripts/console-build.js';
import { LOCAL_KEY, eventually, signedFetch } from './harness/api.js';
import { launchChromium } from './harness/browser.js';
import { serverUrls, testNames } from './harness/env.js';

/*
 * The web console end to end in a real headless browser: Debian's chromium (installed by
 * deploy/local/install-chromium.sh when missing; no browser download) driven by playwright-core,
 * against the five services as real processes. Each step leaves a screenshot in OUT; the tasks
 * page is also saved as docs/console.png for the README (when missing, or with
 * ASYNCFN_UPDATE_SCREENSHOTS=1).
 */

const OTHER = { accessKeyId: 'LTAIconsoleOther', accessKeySecret: 'consoleOtherSecret' };
const CHROMIUM = process.env.ASYNCFN_CHROMIUM ?? '/usr/bin/chromium';
const OUT = process.env.ASYNCFN_TEST_OUTPUT ?? join(ROOT, 'test-results', 'console');
const STEP_MS = 30_000;

let stack: Stack;
let context: BrowserContext;
let page: Page;
let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;

const api = (method: string, path: string, options: Parameters<typeof signedFetch>[3] = {}) =>
  signedFetch(stack.ingressUrl, method, `/2023-03-30${path}`, options);
async function taskStatus(fn: string, id: string): Promise<string | undefined> {
  const res = await api('GET', `/functions/${fn}/async-tasks/${id}`);
  return res.ok ? ((await res.json()) as { status: string }).status : undefined;
}
const shot = (name: string, target: Page = page) =>
  target.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
const url = (hash = '') => `${stack.ingressUrl}/console/${hash}`;

beforeAll(async () => {
  ensureConsoleBuilt();
  mkdirSync(OUT, { recursive: true });
  stack = await startStack({
    namespace: testNames('console').namespace,
    portBase: 19800,
    env: {
      ...serverUrls().env,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      ASYNCFN_ACCESS_KEYS: `${LOCAL_KEY.accessKeyId}:${LOCAL_KEY.accessKeySecret}:default,${OTHER.accessKeyId}:${OTHER.accessKeySecret}:other`,
    },
    // The ingress last, on its own: on a busy machine five services compiling at once start slowly.
    services: ['dispatcher', 'executor', 'status', 'destination'],
  });
  await stack.start('ingress');
  browser = await launchChromium(CHROMIUM, STEP_MS);
  ({ context, page } = browser);
}, 240_000);

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail')
    await shot(`failed-${task.name.replace(/\W+/g, '-').slice(0, 40)}`).catch(() => {});
});

afterAll(async () => {
  await browser?.close();
  await stack?.stopAll();
});

describe('the web console in Chromium', () => {
  it('1. signs in with an AccessKey (a wrong one is told clearly) and out again', async () => {
    // A browser asking for / is sent to the console.
    await page.goto(stack.ingressUrl);
    expect(new URL(page.url()).pathname).toBe('/console/');
    await page.getByLabel('AccessKey ID').fill(LOCAL_KEY.accessKeyId);
    await page.getByLabel('AccessKey Secret').fill('not-the-secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('InvalidAccessKeySecret');
    await shot('1-sign-in-wrong-key');

    await page.getByLabel('AccessKey Secret').fill(LOCAL_KEY.accessKeySecret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    // The secret is nowhere in the page's storage; the session cookie is HttpOnly and strict.
    // (Evaluated in the page, written as a string: this file is type-checked without the DOM.)
    const stored = String(
      await page.evaluate('JSON.stringify({ ...localStorage, ...sessionStorage }) + document.cookie'),
    );
    expect(stored).not.toContain(LOCAL_KEY.accessKeySecret);
    expect(stored).not.toContain('asyncfn_session');
    const [cookie] = await context.cookies(stack.ingressUrl);
    expect(cookie).toMatchObject({ name: 'asyncfn_session', httpOnly: true, sameSite: 'Strict' });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.getByLabel('AccessKey ID').fill(LOCAL_KEY.accessKeyId);
    await page.getByLabel('AccessKey Secret').fill(LOCAL_KEY.accessKeySecret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Tasks' }).waitFor();
    await shot('1-signed-in');
  });

  it('2. creates functions from built-in examples', async () => {
    for (const [example, name] of [
      ['hello', 'hello-ui'],
      ['long-job', 'long-ui'],
    ] as const) {
      await page.goto(url('#/functions'));
      await page.getByLabel('Built-in example').check();
      await page.getByLabel('Example', { exact: true }).selectOption(example);
      await page.getByLabel('Function name').fill(name);
      await page.getByRole('button', { name: 'Create function' }).click();
      await page.getByRole('heading', { name }).waitFor();
    }
    await page.goto(url('#/functions'));
    await page.getByRole('link', { name: 'long-ui' }).waitFor();
    await shot('2-functions');
    const res = await api('GET', '/functions/long-ui');
    expect(((await res.json()) as { timeout: number }).timeout).toBe(900);
  });

  it('3–4. invokes one from the page and sees the task reach Succeeded, live, without a reload', async () => {
    await page.goto(url('#/tasks?fn=hello-ui'));
    await page.getByText('● Live').waitFor();
    // Marks this document: a reload would lose it.
    await page.evaluate('window.notReloaded = true');

    const invoker = await context.newPage();
    await invoker.goto(url('#/functions/hello-ui'));
    await invoker.getByLabel('Payload').fill('"from the console"');
    await invoker.getByLabel('Task ID (optional)').fill('ui-task-1');
    await invoker.getByRole('button', { name: 'Invoke' }).click();
    await invoker.getByRole('link', { name: 'ui-task-1' }).waitFor();
    await shot('3-invoked', invoker);
    await invoker.close();

    const row = page.locator('tr[data-task-id="ui-task-1"]');
    await row.locator('[data-status="Succeeded"]').waitFor();
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    await expect.poll(() => page.getByRole('button', { name: /^Succeeded: 1 tasks/ }).count()).toBe(1);
    await shot('4-succeeded-live');
  });

  it('5. opens the task: its timeline and its trace', async () => {
    await page.getByRole('link', { name: 'ui-task-1' }).click();
    await page.getByRole('heading', { name: 'ui-task-1' }).waitFor();
    const timeline = page.locator('table.timeline');
    for (const status of ['Enqueued', 'Running', 'Succeeded'])
      await timeline.locator(`[data-status="${status}"]`).first().waitFor();
    expect(await page.getByLabel('Result').textContent()).toContain('from the console');
    // The trace comes from Jaeger (spans arrive a moment after they end): lanes per service.
    await page.locator('.waterfall .lane').nth(2).waitFor({ timeout: 60_000 });
    const lanes = await page.locator('.waterfall .lane-name').allTextContents();
    expect(lanes).toEqual(expect.arrayContaining(['ingress', 'executor', 'status']));
    const jaeger = page.getByRole('link', { name: /Open trace [0-9a-f]{32} in Jaeger/ });
    expect(await jaeger.getAttribute('href')).toMatch(/\/trace\/[0-9a-f]{32}$/);
    await shot('5-task-detail');
  });

  it('6. stops a long task', async () => {
    await page.goto(url('#/functions/long-ui'));
    await page.getByLabel('Task ID (optional)').fill('long-1');
    await page.getByRole('button', { name: 'Invoke' }).click();
    await page.getByRole('link', { name: 'long-1' }).click();
    await page.getByRole('heading', { name: 'long-1' }).waitFor();
    await page.locator('.title-row [data-status="Running"]').waitFor({ timeout: 45_000 });
    await page.getByLabel('Kill deadline').selectOption('5000');
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.locator('.title-row [data-status="Stopped"]').waitFor({ timeout: 45_000 });
    expect(await taskStatus('long-ui', 'long-1')).toBe('Stopped');
    await page.locator('table.timeline [data-status="Stopping"]').waitFor();
    await shot('6-stopped');
  });

  it('7. re-runs a task, and re-runs one with an edited payload', async () => {
    await page.goto(url('#/tasks/hello-ui/ui-task-1'));
    await page.getByLabel('New task ID (optional)').fill('ui-task-1-again');
    await page.getByRole('button', { name: 'Re-run', exact: true }).click();
    await page.getByRole('heading', { name: 'ui-task-1-again' }).waitFor();
    await page.locator('.title-row [data-status="Succeeded"]').waitFor();
    await page.getByRole('link', { name: 'ui-task-1', exact: true }).waitFor();

    await page.getByRole('button', { name: 'Re-run with edited payload…' }).click();
    await page.getByLabel('New payload').fill('"edited"');
    await page.getByRole('button', { name: 'Re-run with this payload' }).click();
    // A new task (generated id): the page moves to it.
    await expect.poll(() => new URL(page.url()).hash, { timeout: STEP_MS }).not.toMatch(/ui-task-1-again$/);
    await page.locator('.title-row [data-status="Succeeded"]').waitFor();
    expect(await page.getByLabel('Result').textContent()).toContain('edited');
    await shot('7-rerun');
  });

  it('8. bulk-stops the tasks a filter matches, after confirming their count', async () => {
    for (const id of ['bulk-1', 'bulk-2', 'bulk-3']) {
      const res = await api('POST', '/functions/long-ui/invocations', {
        headers: {
          'x-fc-invocation-type': 'Async',
          'x-fc-async-task-id': id,
          'x-fc-async-delay': '600',
          'content-type': 'application/octet-stream',
        },
        body: 'later',
      });
      expect(res.status).toBe(202);
    }
    await page.goto(url('#/tasks?fn=long-ui&prefix=bulk-'));
    // Recorded once the status service stops holding their claims (a couple of seconds).
    await page.locator('tr[data-task-id="bulk-3"]').waitFor({ timeout: 45_000 });
    await page.getByRole('button', { name: 'Stop matching…' }).click();
    await page.getByRole('alertdialog').getByText('Stop 3 tasks matching').waitFor();
    await shot('8-bulk-confirm');
    await page.getByRole('button', { name: 'Stop 3 tasks' }).click();
    await page.getByRole('status').filter({ hasText: '3 of 3 done' }).waitFor({ timeout: 60_000 });
    await shot('8-bulk-done');
    await eventually(async () => {
      const statuses = await Promise.all(
        ['bulk-1', 'bulk-2', 'bulk-3'].map((id) => taskStatus('long-ui', id)),
      );
      return statuses.every((s) => s === 'Stopped') ? true : undefined;
    }, 45_000);
  });

  it('shows the tasks of every function, and fits a narrow screen (docs/console.png)', async () => {
    await page.goto(url('#/tasks'));
    await page.locator('tr[data-task-id="long-1"]').waitFor();
    await page.locator('tr[data-task-id="ui-task-1"]').waitFor();
    await page.locator('tr[data-task-id="bulk-1"]').waitFor();
    await page.mouse.move(0, 790);
    // The README's picture: written when missing or asked for, so test runs leave git clean.
    const docsShot = join(ROOT, 'docs', 'console.png');
    if (!existsSync(docsShot) || process.env.ASYNCFN_UPDATE_SCREENSHOTS === '1')
      await page.screenshot({ path: docsShot });
    await shot('tasks-all');
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    expect(overflow).toBeLessThanOrEqual(0);
    await shot('tasks-narrow');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('charts the metrics from the services', async () => {
    await page.goto(url('#/metrics'));
    // Rates need two reads, 5 s apart.
    await page.getByText('Tasks per second').waitFor({ timeout: STEP_MS });
    expect(await page.locator('figure.chart canvas').count()).toBeGreaterThanOrEqual(3);
    await page.getByRole('cell', { name: 'hello-ui' }).waitFor();
    await shot('metrics');
  });

  it("streams a tenant's own task changes only", async () => {
    // The other tenant signs in (as the page does) and listens.
    const signIn = await fetch(`${stack.ingressUrl}/console/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(OTHER),
    });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const stream = await fetch(`${stack.ingressUrl}/2023-03-30/async-task-events`, { headers: { cookie } });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const reader = stream.body!.getReader();
    let received = '';
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        received += Buffer.from(value).toString('utf8');
      }
    })();
    await expect.poll(() => received).toContain('event: open');

    // A task of each tenant, on functions of the same name.
    const other = (method: string, path: string, options: Parameters<typeof signedFetch>[3] = {}) =>
      signedFetch(stack.ingressUrl, method, `/2023-03-30${path}`, { ...options, creds: OTHER });
    const zip = zipFiles({ 'index.js': 'exports.handler = async () => "ok";' });
    const created = await other('POST', '/functions', {
      body: JSON.stringify({
        functionName: 'hello-ui',
        runtime: 'nodejs20',
        handler: 'index.handler',
        code: { zipFile: zip.toString('base64') },
      }),
    });
    expect(created.status, await created.clone().text()).toBe(200);
    const invoke = (call: typeof api, id: string) =>
      call('POST', '/functions/hello-ui/invocations', {
        headers: { 'x-fc-invocation-type': 'Async', 'x-fc-async-task-id': id },
        body: 'x',
      });
    expect((await invoke(api, 'mine-not-yours')).status).toBe(202);
    expect((await invoke(other, 'yours-only')).status).toBe(202);
    await expect
      .poll(() => received, { timeout: STEP_MS })
      .toMatch(/"taskId":"yours-only","functionName":"hello-ui","type":"TaskSucceeded"/);
    await eventually(async () =>
      (await taskStatus('hello-ui', 'mine-not-yours')) === 'Succeeded' ? true : undefined,
    );
    // The default tenant's task finished too, yet never reached the other tenant's stream.
    expect(received).not.toContain('mine-not-yours');
    await reader.cancel();
    await reading.catch(() => undefined);
  });
});
