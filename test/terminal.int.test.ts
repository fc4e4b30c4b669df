import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signAcs3Request } from '@asyncfn/auth';
import { readSetting, secretsDir } from '@asyncfn/config';
import { DEFAULT_SANDBOX_OPTIONS, sandboxUid } from '@asyncfn/runtime';
import { ROOT, startStack, type Stack } from '../scripts/stack.js';
import { ensureConsoleBuilt } from '../scripts/console-build.js';
import { launchChromium } from './harness/browser.js';
import { LOCAL_KEY, eventually, nodeFunctionZip, signedFetch, type Credentials } from './harness/api.js';
import { serverUrls, testNames } from './harness/env.js';

/*
 * "Log on to an instance" end to end: the console's terminal (xterm.js in Debian's chromium) into
 * a running instance of a real stack, the shell's rights inside the sandbox, and the WebSocket
 * route's refusals (another tenant's instance, an unknown one, a console upgrade without CSRF).
 */

const OTHER: Credentials = { accessKeyId: 'LTAIterminalOther', accessKeySecret: 'terminalOtherSecret' };
const OUT = join(process.env.ASYNCFN_TEST_OUTPUT ?? join(ROOT, 'test-results'), 'terminal');
const STEP_MS = 60_000;
const CHROMIUM = process.env.ASYNCFN_CHROMIUM ?? '/usr/bin/chromium';
const FN = 'terminal-sleeper';
const SLEEPER = `exports.handler = async () => { await new Promise((r) => setTimeout(r, 280000)); return 'slept'; };`;

let stack: Stack;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
let instanceId: string;

const api = (method: string, path: string, options: Parameters<typeof signedFetch>[3] = {}) =>
  signedFetch(stack.ingressUrl, method, `/2023-03-30${path}`, options);
const shot = (name: string) => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
const terminalPath = (fn: string, id: string) => `/2023-03-30/functions/${fn}/instances/${id}/terminal`;

type Opened =
  { socket: WebSocket } | { status: number; body: { Code?: string; Message?: string; RequestId?: string } };
const bodyOf = (o: Opened) => ('body' in o ? o.body : {});

/** Starts a sleeping task and answers the id of the instance running it. */
async function busyInstance(taskId: string): Promise<string> {
  const res = await api('POST', `/functions/${FN}/invocations`, {
    headers: { 'x-fc-invocation-type': 'Async', 'x-fc-async-task-id': taskId },
    body: '{}',
  });
  expect(res.status).toBe(202);
  return eventually(
    async () => {
      const list = (await (await api('GET', `/functions/${FN}/instances`)).json()) as {
        instances: { instanceId: string; status: string }[];
      };
      return list.instances.find((i) => i.status === 'busy')?.instanceId;
    },
    STEP_MS,
    250,
  );
}

/** The terminal's visible rows as text. */
const screenText = async (terminal: Locator) =>
  (await terminal.locator('.xterm-rows').innerText()).replace(/\u00a0/g, ' ');

async function typeLine(terminal: Locator, line: string) {
  await terminal.locator('.xterm').click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

/** Processes on the host whose command line is exactly `argv`. */
function hostProcesses(argv: string[]): number[] {
  const wanted = `${argv.join('\0')}\0`;
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === wanted;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** A WebSocket upgrade signed with ACS3 (as a CLI would send it): opened, or the refusal's status and body. */
function openSigned(
  path: string,
  creds: Credentials,
  extraHeaders: Record<string, string> = {},
): Promise<Opened> {
  const url = new URL(path, stack.ingressUrl);
  const headers = { host: url.host, ...extraHeaders };
  const signed = signAcs3Request({ method: 'GET', path: url.pathname, query: {}, headers }, creds, {
    date: new Date(),
    nonce: randomBytes(32).toString('hex'),
  });
  return rawOpen(url.toString().replace(/^http/, 'ws'), { ...headers, ...signed });
}

function rawOpen(url: string, headers: Record<string, string>, protocols: string[] = []): Promise<Opened> {
  const socket = new WebSocket(url, protocols, { headers });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        socket.on('error', () => {});
        socket.terminate();
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      });
    });
    socket.once('error', reject);
  });
}

beforeAll(async () => {
  ensureConsoleBuilt();
  mkdirSync(OUT, { recursive: true });
  stack = await startStack({
    namespace: testNames('terminal').namespace,
    portBase: 20250,
    env: {
      ...serverUrls().env,
      ASYNCFN_ACCESS_KEYS: `${LOCAL_KEY.accessKeyId}:${LOCAL_KEY.accessKeySecret}:default,${OTHER.accessKeyId}:${OTHER.accessKeySecret}:other`,
    },
    services: ['dispatcher', 'executor', 'status', 'destination'],
  });
  await stack.start('ingress');
  browser = await launchChromium(CHROMIUM, STEP_MS);
  page = browser.page;
  const created = await api('POST', '/functions', {
    body: JSON.stringify({
      functionName: FN,
      runtime: 'nodejs20',
      handler: 'index.handler',
      timeout: 300,
      code: { zipFile: nodeFunctionZip(SLEEPER, { 'marker-file.txt': 'here' }) },
    }),
  });
  expect(created.status).toBe(200);
  instanceId = await busyInstance('terminal-task-1');
}, 300_000);

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail')
    await shot(`failed-${task.name.replace(/\W+/g, '-').slice(0, 40)}`).catch(() => {});
});

afterAll(async () => {
  await browser?.close();
  await stack?.stopAll();
});

describe('Log on to an instance', { timeout: 240_000 }, () => {
  it('opens a terminal from the console into the running instance, inside its sandbox', async () => {
    await page.goto(`${stack.ingressUrl}/console/`);
    await page.getByLabel('AccessKey ID').fill(LOCAL_KEY.accessKeyId);
    await page.getByLabel('AccessKey Secret').fill(LOCAL_KEY.accessKeySecret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.goto(`${stack.ingressUrl}/console/#/functions/${FN}`);
    await page.getByRole('button', { name: `Log on to instance ${instanceId}` }).click();
    const terminal = page.getByRole('region', { name: `Terminal of instance ${instanceId}` });
    await terminal.getByText('Connected').waitFor();

    await typeLine(terminal, 'id -u; cat /proc/1/environ | tr "\\0" "\\n" | head; ls /code');
    await expect.poll(() => screenText(terminal), { timeout: STEP_MS }).toContain('marker-file.txt');
    expect(await screenText(terminal)).toContain('index.js');

    const uid = sandboxUid('default', {
      ...DEFAULT_SANDBOX_OPTIONS,
      uidBase: readSetting('ASYNCFN_SANDBOX_UID_BASE'),
    });
    expect(uid).toBeGreaterThan(0);
    // Markers built by the shell ($((…))), so the typed command line never matches them itself.
    await typeLine(terminal, 'echo "uid=$(id -u)/$((6*7))"; grep NoNewPrivs /proc/self/status');
    await expect.poll(() => screenText(terminal), { timeout: STEP_MS }).toContain(`uid=${uid}/42`);
    await expect.poll(() => screenText(terminal), { timeout: STEP_MS }).toMatch(/NoNewPrivs:\s+1/);
    // The host's control-plane secrets are not in the sandbox's view of the disk.
    await typeLine(terminal, `test -e ${secretsDir()} && echo "seen-$((40+2))" || echo "hidden-$((40+2))"`);
    await expect.poll(() => screenText(terminal), { timeout: STEP_MS }).toContain('hidden-42');
    expect(await screenText(terminal)).not.toContain('seen-42');
    await shot('terminal-open');

    // Closing the terminal kills the shell and what it started.
    await typeLine(terminal, '(sleep 7777 &); echo "started-$((1+1))"');
    await expect.poll(() => screenText(terminal), { timeout: STEP_MS }).toContain('started-2');
    expect(hostProcesses(['sleep', '7777']).length).toBe(1);
    await terminal.getByRole('button', { name: 'Close terminal' }).click();
    await expect.poll(() => hostProcesses(['sleep', '7777']).length, { timeout: STEP_MS }).toBe(0);
  });

  it("refuses another tenant's instance and an unknown one with 404, and a console upgrade without CSRF", async () => {
    const theirs = await openSigned(terminalPath(FN, instanceId), OTHER);
    expect(theirs).toMatchObject({ status: 404 });
    // Tenant "other" has no function of that name: FunctionNotFound; with one, InstanceNotFound.
    expect(['FunctionNotFound', 'InstanceNotFound']).toContain(bodyOf(theirs).Code);
    const otherCreate = await signedFetch(stack.ingressUrl, 'POST', '/2023-03-30/functions', {
      creds: OTHER,
      body: JSON.stringify({
        functionName: FN,
        runtime: 'nodejs20',
        handler: 'index.handler',
        code: { zipFile: nodeFunctionZip(SLEEPER) },
      }),
    });
    expect(otherCreate.status).toBe(200);
    const theirsAgain = await openSigned(terminalPath(FN, instanceId), OTHER);
    expect(theirsAgain).toMatchObject({ status: 404, body: { Code: 'InstanceNotFound' } });
    expect(bodyOf(theirsAgain).RequestId).toBeTruthy();

    const unknown = await openSigned(terminalPath(FN, '00000000-0000-4000-8000-000000000000'), LOCAL_KEY);
    expect(unknown).toMatchObject({ status: 404, body: { Code: 'InstanceNotFound' } });

    // The console's cookie alone (as a cross-site page would send it) is refused.
    const signIn = await fetch(`${stack.ingressUrl}/console/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(LOCAL_KEY),
    });
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const { csrfToken } = (await signIn.json()) as { csrfToken: string };
    const wsUrl = `${stack.ingressUrl.replace(/^http/, 'ws')}${terminalPath(FN, instanceId)}`;
    const noCsrf = await rawOpen(wsUrl, { cookie }, ['asyncfn-terminal']);
    expect(noCsrf).toMatchObject({ status: 403, body: { Code: 'CsrfTokenMismatch' } });

    // With the token, and with a signed request, the shell answers.
    for (const opened of [
      await rawOpen(wsUrl, { cookie }, ['asyncfn-terminal', `csrf.${csrfToken}`]),
      await openSigned(terminalPath(FN, instanceId), LOCAL_KEY),
    ]) {
      expect(opened).toHaveProperty('socket');
      const socket = (opened as { socket: WebSocket }).socket;
      let output = '';
      socket.on('message', (data, isBinary) => {
        if (isBinary) output += (data as Buffer).toString('utf8');
      });
      socket.send(Buffer.from('echo "ws-$((20+1))"\n'), { binary: true });
      await eventually(async () => (output.includes('ws-21') ? true : undefined), STEP_MS);
      // A resize (xterm's grid) reaches the PTY: the shell's terminal has the new size.
      socket.send(JSON.stringify({ type: 'resize', cols: 123, rows: 45 }));
      socket.send(Buffer.from('echo "size-$(stty size | tr " " x)"\n'), { binary: true });
      await eventually(async () => (output.includes('size-45x123') ? true : undefined), STEP_MS);
      socket.close();
    }

    // Session-only: signing out closes the console's terminal.
    const session = await rawOpen(wsUrl, { cookie }, ['asyncfn-terminal', `csrf.${csrfToken}`]);
    expect(session).toHaveProperty('socket');
    const closed = new Promise<number>((resolve) =>
      (session as { socket: WebSocket }).socket.once('close', (code) => resolve(code)),
    );
    const signOut = await fetch(`${stack.ingressUrl}/console/api/session`, {
      method: 'DELETE',
      headers: { cookie, 'x-asyncfn-csrf': csrfToken },
    });
    expect(signOut.status).toBe(204);
    expect(await closed).toBe(4401);
  });

  it('says so in the page when the instance goes away, and closes the terminal', async () => {
    await page.goto(`${stack.ingressUrl}/console/#/functions/${FN}`);
    await page.reload();
    await page.getByRole('button', { name: `Log on to instance ${instanceId}` }).click();
    const terminal = page.getByRole('region', { name: `Terminal of instance ${instanceId}` });
    await terminal.getByText('Connected').waitFor();
    const stop = await api('PUT', `/functions/${FN}/async-tasks/terminal-task-1/stop`, {
      query: { forceAfterMs: '0' },
    });
    expect(stop.ok).toBe(true);
    await terminal.getByText('The instance is gone').waitFor({ timeout: STEP_MS });
    await shot('terminal-instance-gone');
    // And it cannot be opened again: a 404 before the upgrade, told as "gone" too.
    await eventually(async () => {
      const res = await openSigned(terminalPath(FN, instanceId), LOCAL_KEY);
      return 'status' in res && res.status === 404 ? true : undefined;
    }, STEP_MS);
  });
});
