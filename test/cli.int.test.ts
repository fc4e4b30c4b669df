import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startStack, type Stack } from '../scripts/stack.js';
import { cliHome, runCli, type CliResult } from './harness/cli.js';
import { serverUrls, testNames } from './harness/env.js';

/*
 * The asyncfn CLI end to end: the real CLI as a child process, as a user runs it, against the five
 * services as real processes. Profiles are in cli-profiles.int.test.ts, bulk operations in
 * cli-bulk.int.test.ts.
 */

let stack: Stack;
let work: string;
let home: string;

/** Function projects: test/fixtures/cli/<name>. */
const fixture = (name: string) => join(ROOT, 'test', 'fixtures', 'cli', name);

const cli = (args: string[], env: Record<string, string | undefined> = {}, input?: string) =>
  runCli(args, {
    env: { HOME: home, ASYNCFN_ENDPOINT: stack.ingressUrl, ...env },
    ...(input !== undefined ? { input } : {}),
  });

/** Exit 0, or the test fails showing what the CLI said. */
async function ok(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const result = await cli(args, env);
  expect(result.code, `asyncfn ${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result;
}
const json = async <T>(args: string[]): Promise<T> => JSON.parse((await ok([...args, '--json'])).stdout) as T;

interface Task {
  taskId: string;
  status: string;
  functionName?: string;
  returnPayload?: string;
  taskPayload?: string;
  rerunOf?: string;
  events: { status: string }[];
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'asyncfn-cli-test-'));
  home = cliHome();
  stack = await startStack({
    namespace: testNames('cli').namespace,
    portBase: 19800,
    env: { ...serverUrls().env, ASYNCFN_RETRY_BASE_MS: '300' },
    // The ingress, the slowest to start, on its own: on a loaded machine five at once can take a minute.
    services: ['dispatcher', 'executor', 'status', 'destination'],
  });
  await stack.start('ingress');
});

afterAll(async () => {
  await stack?.stopAll();
});

describe('asyncfn CLI', () => {
  it('runs through npx, with --help on every command', async () => {
    const version = await runCli(['--version'], { npx: true, env: { HOME: home } });
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe('0.1.0');
    const commands = [
      [],
      ['deploy'],
      ['functions'],
      ['functions', 'ls'],
      ['functions', 'get'],
      ['functions', 'rm'],
      ['invoke'],
      ['tasks'],
      ['tasks', 'ls'],
      ['tasks', 'get'],
      ['tasks', 'watch'],
      ['tasks', 'stop'],
      ['tasks', 'rerun'],
      ['logs'],
      ['queue'],
      ['queue', 'receive'],
    ];
    const helps = await Promise.all(commands.map((c) => cli([...c, '--help'])));
    helps.forEach((h, i) => {
      expect(h.code, commands[i]!.join(' ')).toBe(0);
      expect(h.stdout).toMatch(/^Usage: asyncfn/);
    });
  });

  it('deploys from asyncfn.yaml, from FC s.yaml and from flags, creating then updating', async () => {
    const hello = fixture('hello');
    const created = await ok(['deploy', hello]);
    expect(created.stdout).toMatch(/hello\s+created/);
    const updated = await ok(['deploy', hello]);
    expect(updated.stdout).toMatch(/hello\s+updated/);

    const job = fixture('job');
    const deployed = await ok(['deploy', job]);
    expect(deployed.stdout).toMatch(/my-fc-job\s+created\s+\d+ bytes\s+set/);
    expect(deployed.stderr).toMatch(/ignored \(not used by asyncfn\): region, internetAccess, role/);
    const fn = await json<{
      runtime: string;
      memorySize: number;
      timeout: number;
      asyncInvokeConfig: {
        maxAsyncRetryAttempts: number;
        destinationConfig: { onFailure: { destination: string } };
      };
    }>(['functions', 'get', 'my-fc-job']);
    expect(fn).toMatchObject({ runtime: 'nodejs20', memorySize: 128, timeout: 60 });
    expect(fn.asyncInvokeConfig.maxAsyncRetryAttempts).toBe(1);
    expect(fn.asyncInvokeConfig.destinationConfig.onFailure.destination).toBe('nats:my-fc-job.failures');

    const slow = fixture('slow');
    await ok([
      'deploy',
      slow,
      '--name',
      'slow',
      '--runtime',
      'nodejs20',
      '--handler',
      'index.handler',
      '--timeout',
      '120',
    ]);
    const table = (await ok(['functions', 'ls'])).stdout;
    expect(table.split('\n')[0]).toMatch(/^NAME\s+RUNTIME\s+HANDLER\s+MEMORY\s+TIMEOUT\s+MODIFIED$/);
    for (const name of ['hello', 'my-fc-job', 'slow'])
      expect(table).toMatch(new RegExp(`^${name}\\s+nodejs20`, 'm'));
    const shown = (await ok(['functions', 'get', 'slow'])).stdout;
    expect(shown).toMatch(/timeout\s+120s/);
  });

  it('refuses a manifest it cannot read, with a usage exit code', async () => {
    const bad = fixture('bad');
    const res = await cli(['deploy', bad]);
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe('asyncfn: asyncfn.yaml: unknown field memory');
    const none = await cli(['deploy', fixture('empty')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/give --name and --runtime/);
  });

  it('invokes sync (--data, @file, -e) and async (--id, s invoke flags, --delay, --wait)', async () => {
    expect((await ok(['invoke', 'hello', '--data', 'world'])).stdout).toBe('hello world\n');
    const file = join(work, 'payload.txt');
    writeFileSync(file, 'from a file');
    expect((await ok(['invoke', 'hello', '--data', `@${file}`])).stdout).toBe('hello from a file\n');
    expect((await ok(['invoke', 'hello', '-e', 'event'])).stdout).toBe('hello event\n');
    const failed = await cli(['invoke', 'my-fc-job', '-e', '{"failure":true}']);
    expect(failed.code).toBe(3);
    expect(failed.stdout).toMatch(/asked to fail/);

    expect((await ok(['invoke', 'hello', '--async', '--id', 'h-1', '--data', 'one'])).stdout.trim()).toBe(
      'h-1',
    );
    const s = await ok([
      'invoke',
      'my-fc-job',
      '--invocation-type',
      'Async',
      '-e',
      '{"failure":true}',
      '--id',
      's-fail',
    ]);
    expect(s.stdout.trim()).toBe('s-fail');
    const delayed = await json<{ taskId: string; dueTime: number }>([
      'invoke',
      'hello',
      '--async',
      '--id',
      'h-late',
      '--delay',
      '2',
    ]);
    expect(delayed.taskId).toBe('h-late');
    expect(delayed.dueTime).toBeGreaterThan(Date.now());
    const waited = await ok(['invoke', 'hello', '--async', '--id', 'h-wait', '--data', 'w', '--wait']);
    expect(waited.stdout).toMatch(/Enqueued[\s\S]*Succeeded/);
    expect(waited.stdout).toMatch(/h-wait Succeeded: hello w/);
  });

  it('watches a task live until it ends: exit 0 when it succeeded, 3 when it failed', async () => {
    const good = await ok(['tasks', 'watch', 'hello', 'h-1']);
    expect(good.stdout).toMatch(/Enqueued[\s\S]*Running[\s\S]*Succeeded/);
    const bad = await cli(['tasks', 'watch', 'my-fc-job', 's-fail']);
    expect(bad.code, bad.stderr).toBe(3);
    expect(bad.stdout).toMatch(/Retrying[\s\S]*Failed/);
    expect(bad.stdout).toMatch(/s-fail Failed: .*asked to fail/);
    await ok(['tasks', 'watch', 'hello', 'h-late']);
  });

  it('lists tasks across functions or of one, filtered by status, prefix and time', async () => {
    const all = (await ok(['tasks', 'ls'])).stdout;
    expect(all.split('\n')[0]).toMatch(/^TASK ID\s+FUNCTION\s+STATUS\s+STARTED\s+DURATION\s+ATTEMPTS$/);
    expect(all).toMatch(/^h-1\s+hello\s+Succeeded/m);
    expect(all).toMatch(/^s-fail\s+my-fc-job\s+Failed\s+\S+ \S+\s+\S+\s+2$/m);
    const failed = await json<Task[]>(['tasks', 'ls', '--status', 'Failed']);
    expect(failed.map((t) => t.taskId)).toEqual(['s-fail']);
    const ofHello = await json<Task[]>(['tasks', 'ls', '--fn', 'hello', '--prefix', 'h-']);
    expect(ofHello.map((t) => t.taskId).sort()).toEqual(['h-1', 'h-late', 'h-wait']);
    expect((await json<Task[]>(['tasks', 'ls', '--since', '10m'])).length).toBeGreaterThanOrEqual(4);
    expect(await json<Task[]>(['tasks', 'ls', '--until', '1h'])).toEqual([]);
    const bad = await cli(['tasks', 'ls', '--since', 'ten minutes']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(
      "asyncfn: 'ten minutes' is not a duration (examples: 30s, 10m, 1h30m, 2d)",
    );
  });

  it("shows a task's timeline as a table", async () => {
    const out = (await ok(['tasks', 'get', 'hello', 'h-1'])).stdout;
    expect(out).toMatch(/^status\s+Succeeded$/m);
    expect(out).toMatch(/^result\s+hello one$/m);
    expect(out).toMatch(/^#\s+STATE\s+AT\s+FOR\s+DETAIL$/m);
    const states = out
      .split('\n')
      .filter((l) => /^\d+\s/.test(l))
      .map((l) => l.split(/\s+/)[1]);
    expect(states).toEqual(['Enqueued', 'Dequeued', 'Running', 'Succeeded']);
  });

  it('stops a running task, and shows and follows its logs', async () => {
    await ok(['invoke', 'slow', '--async', '--id', 'slow-1', '--data', '{"seconds":60}']);
    await expect
      .poll(async () => (await json<Task>(['tasks', 'get', 'slow', 'slow-1'])).status, { timeout: 30_000 })
      .toBe('Running');
    // Let the first ticks reach the executor's log capture before the instance is killed.
    await new Promise((r) => setTimeout(r, 1_500));
    const stop = await ok(['tasks', 'stop', 'slow', 'slow-1']);
    expect(stop.stdout).toMatch(/stopping slow-1/);
    const watched = await cli(['tasks', 'watch', 'slow', 'slow-1']);
    expect(watched.code).toBe(3);
    expect(watched.stdout).toMatch(/Stopping[\s\S]*Stopped/);
    const logs = await ok(['logs', 'slow', 'slow-1']);
    expect(logs.stdout).toMatch(/tick 1/);

    await ok(['invoke', 'slow', '--async', '--id', 'slow-2', '--data', '{"seconds":3}']);
    const followed = await ok(['logs', 'slow', 'slow-2', '-f']);
    expect(followed.stdout.match(/tick \d/g)).toEqual(['tick 1', 'tick 2', 'tick 3']);
    expect((await json<Task>(['tasks', 'get', 'slow', 'slow-2'])).status).toBe('Succeeded');
  });

  it('re-runs a task, with a payload edited in $EDITOR', async () => {
    const edited = await ok(['tasks', 'rerun', 'my-fc-job', 's-fail', '--edit', '--id', 's-fixed'], {
      EDITOR: "sed -i 's/true/false/'",
    });
    expect(edited.stdout).toMatch(/re-running s-fail as s-fixed/);
    await ok(['tasks', 'watch', 'my-fc-job', 's-fixed']);
    const fixed = await json<Task>(['tasks', 'get', 'my-fc-job', 's-fixed']);
    expect(fixed).toMatchObject({ rerunOf: 's-fail', taskPayload: '{"failure":false}', status: 'Succeeded' });
    const again = await json<{ taskId: string; rerunOf: string }>([
      'tasks',
      'rerun',
      'hello',
      'h-1',
      '--data',
      'two',
    ]);
    expect(again.rerunOf).toBe('h-1');
    await ok(['tasks', 'watch', 'hello', again.taskId]);
    expect((await json<Task>(['tasks', 'get', 'hello', again.taskId])).returnPayload).toBe('hello two');
  });

  it('reports an API error as one line with its FC code, exit 1; usage errors exit 2', async () => {
    const missing = await cli(['tasks', 'get', 'hello', 'no-such-task']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(
      /^asyncfn: AsyncTaskNotFound: .*no-such-task.* \(HTTP 404, request [\w-]+\)$/m,
    );
    const running = await cli(['tasks', 'rerun', 'hello', 'h-1x']);
    expect(running.stderr).toMatch(/AsyncTaskNotFound/);
    for (const args of [
      ['tasks', 'get', 'hello'],
      ['invoke'],
      ['tasks', 'ls', '--bogus'],
      ['nope'],
      ['tasks', 'stop', 'hello'],
    ]) {
      const res = await cli(args);
      expect(res.code, args.join(' ')).toBe(2);
    }
    const both = await cli(['invoke', 'hello', '--data', 'a', '-e', 'b']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give the payload once/);
  });

  it('queue receive: an MNS-style destination queue, read and emptied', async () => {
    expect((await ok(['queue', 'receive', 'cli-results'])).stdout.trim()).toBe('no messages');
    await ok(['deploy', fixture('queued')]);
    await ok(['invoke', 'queued', '--async', '--id', 'queued-1', '--data', 'q', '--wait']);
    const messages = await json<Array<{ body: string }>>(['queue', 'receive', 'cli-results', '--wait', '20']);
    expect(messages).toHaveLength(1);
    const record = JSON.parse(messages[0]!.body) as {
      requestContext: { condition: string };
      responsePayload: string;
    };
    expect(record.requestContext.condition).toBe('Success');
    expect(record.responsePayload).toBe('hello q');
    expect((await ok(['queue', 'receive', 'cli-results'])).stdout.trim()).toBe('no messages');
    const bad = await cli(['queue', 'receive', '9bad']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^asyncfn: InvalidArgument: /);
  });

  it('deletes functions', async () => {
    expect((await ok(['functions', 'rm', 'slow'])).stdout.trim()).toBe('deleted slow');
    const gone = await cli(['functions', 'get', 'slow']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^asyncfn: FunctionNotFound: /);
    expect((await ok(['functions', 'ls'])).stdout).not.toMatch(/^slow\s/m);
  });
});
