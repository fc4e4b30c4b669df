import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startStack, type Stack } from '../scripts/stack.js';
import { serverUrls, testNames } from './harness/env.js';

/*
 * The README's walkthrough, run as a new user would: the bash blocks between
 * `<!-- walkthrough:start` and `<!-- walkthrough:end -->`, in order, in one bash, against a stack
 * of its own (the README reads the API's URL from ASYNCFN_API), twice in a row. Every command must
 * succeed (errexit; a task that does not reach the status a block waits for fails it), and the
 * outputs the walkthrough promises must be there.
 */

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The bash code blocks of the README's marked walkthrough section. */
export function walkthroughBlocks(markdown: string): string[] {
  const start = markdown.indexOf('<!-- walkthrough:start');
  const end = markdown.indexOf('<!-- walkthrough:end -->');
  if (start < 0 || end < start) throw new Error('README has no walkthrough:start … walkthrough:end section');
  return [...markdown.slice(start, end).matchAll(/^```(?:bash|sh)\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

let stack: Stack;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runWalkthrough(env: Record<string, string>): Promise<Run> {
  const script = [
    // As an interactive shell would: aliases expand; background subscribers end with the script.
    'shopt -s expand_aliases',
    'set -eE',
    `trap 'echo "walkthrough: command failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR`,
    "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT",
    ...walkthroughBlocks(README),
  ].join('\n');
  return new Promise((resolve, reject) => {
    // Plain output to read back (CI=true would turn the CLI's colours on).
    const child = spawn('bash', ['-c', script], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A task as `asyncfn tasks get` prints it: its id, function and status lines. */
const taskTable = (fn: string, task: string, status: string) =>
  new RegExp(`^task\\s+${task}\\nfunction\\s+${fn}\\nstatus\\s+${status}$`, 'm');

function expectPromises(run: Run, id: string): void {
  const out = run.stdout;
  expect(run.code, `${out.slice(-3000)}\n--- stderr\n${run.stderr.slice(-3000)}`).toBe(0);
  // The task and its history (the CLI's timeline), then the same id refused in one line.
  expect(out).toMatch(taskTable('hello', `first-task-${id}`, 'Succeeded'));
  expect(out).toMatch(/^1\s+Enqueued\s.*\n2\s+Dequeued\s.*\n3\s+Running\s.*\n4\s+Succeeded\s/m);
  expect(run.stderr).toMatch(
    new RegExp(`^asyncfn: AsyncTaskAlreadyExists: .*first-task-${id}.*HTTP 409`, 'm'),
  );
  // The task's own trace: recorded by the status service, ending Succeeded.
  expect(out).toMatch(/asyncfn-status\s+process .*\[Succeeded\]/);
  expect(out).toMatch(taskTable('hello', `to-stop-${id}`, 'Stopped'));
  expect(out).toMatch(taskTable('flaky', `flaky-${id}`, 'Failed'));
  expect(out).toMatch(new RegExp(`task\\s+flaky-${id}\\n(?:.*\\n)*?attempts\\s+3\\b`));
  for (const [task, status] of [
    [`too-old-${id}`, 'Expired'],
    [`long-${id}`, 'Stopped'],
    [`py-${id}`, 'Succeeded'],
    [`to-kafka-${id}`, 'Succeeded'],
  ])
    expect(out).toMatch(new RegExp(`"taskId":"${task}","status":"${status}"`));
  expect(out).toContain('hello from python: snake');
  expect(out).toContain(`"rerunOf":"flaky-${id}"`);
  expect(out).toContain('preStop: closing connections');
  // The record the Kafka subscriber printed, and the task the Kafka trigger made of a record.
  expect(out).toMatch(new RegExp(`hello-results: .*to kafka ${id}`));
  expect(out).toMatch(new RegExp(`"taskId":"k-[^"]+"[^\\n]*order ${id}`));
}

beforeAll(async () => {
  const urls = serverUrls();
  stack = await startStack({
    namespace: testNames('walk').namespace,
    portBase: 20050,
    env: {
      ...urls.env,
      NATS_URL: urls.natsUrl,
      MONGO_URL: urls.mongoUrl,
      KAFKA_BROKERS: urls.kafkaBrokers.join(','),
    },
  });
}, 120_000);

afterAll(async () => {
  await stack?.stopAll();
});

describe('the README walkthrough', () => {
  it('finds its bash blocks', () => {
    const blocks = walkthroughBlocks(README);
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    expect(blocks.join('\n')).toContain('API=${ASYNCFN_API:-');
  });

  it('runs twice in a row against a fresh stack', async () => {
    const urls = serverUrls();
    const env = {
      ASYNCFN_API: `${stack.ingressUrl}/2023-03-30`,
      ASYNCFN_NAMESPACE: stack.namespace,
      NATS_URL: urls.natsUrl,
      KAFKA_BROKERS: urls.kafkaBrokers.join(','),
      JAEGER_QUERY_URL: urls.jaegerQueryUrl,
    };
    const base = Date.now().toString(36);
    const first = await runWalkthrough({ ...env, RUN: `${base}-1` });
    expectPromises(first, `${base}-1`);
    const second = await runWalkthrough({ ...env, RUN: `${base}-2` });
    expectPromises(second, `${base}-2`);
    // The second run met what the first left: the functions were there already.
    expect(second.stdout).toContain('"FunctionAlreadyExists"');
  }, 1_200_000);
});
