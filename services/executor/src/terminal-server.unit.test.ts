import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { InstanceInfo, ShellCommand } from '@asyncfn/runtime';
import { createLogger } from '@asyncfn/telemetry';
import { createTerminalServer, type TerminalServer } from './terminal-server.js';

/*
 * The executor's terminal endpoint on a real HTTP server with a real PTY. The shell is a plain
 * /bin/sh here (the sandboxed one, instanceShell, is exercised by test/terminal.int.test.ts):
 * this checks the endpoint's own rules: the token, the tenant, live instances only, the relay,
 * resizes, and that closing kills what the shell started.
 */

const instance = (over: Partial<InstanceInfo> = {}): InstanceInfo => ({
  instanceId: 'i-1',
  key: 'tenant-a/fn',
  versionId: 'v1',
  tenant: 'tenant-a',
  functionName: 'fn',
  pid: 1,
  status: 'busy',
  createdTimeMs: 0,
  inFlight: 1,
  invocations: 1,
  ...over,
});

let instances: InstanceInfo[] = [];
const shells = new Map<string, ShellCommand>();
let terminals: TerminalServer;
let server: Server;
let base: string;

type Opened = { socket: WebSocket } | { status: number; code: string };

function open(id: string, headers: Record<string, string>, query = ''): Promise<Opened> {
  const socket = new WebSocket(`${base}/internal/terminal/${id}${query}`, { headers });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        socket.on('error', () => {});
        socket.terminate();
        resolve({ status: res.statusCode ?? 0, code: (JSON.parse(body) as { Code: string }).Code });
      });
    });
    socket.once('error', reject);
  });
}

const asA = () => ({ authorization: `Bearer ${terminals.token}`, 'x-asyncfn-tenant': 'tenant-a' });

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function outputOf(socket: WebSocket): () => string {
  let output = '';
  socket.on('message', (data, isBinary) => {
    if (isBinary) output += (data as Buffer).toString('utf8');
  });
  return () => output;
}

const processesNamed = (argv: string[]) =>
  readdirSync('/proc').filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === `${argv.join('\0')}\0`;
    } catch {
      return false;
    }
  }).length;

beforeAll(async () => {
  terminals = createTerminalServer({
    instances: () => instances,
    shell: (id) => shells.get(id),
    logger: createLogger('executor-test', 'silent'),
  });
  server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', terminals.upgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  terminals.closeAll();
  await new Promise((resolve) => server.close(resolve));
});

describe("the executor's terminal endpoint", () => {
  it('refuses a wrong token, another tenant, an unknown or stopping instance, and one with no sandbox', async () => {
    instances = [instance(), instance({ instanceId: 'i-stopping', status: 'stopping' })];
    shells.set('i-1', { file: '/bin/sh', args: ['-i'], env: { PATH: '/usr/bin:/bin' } });
    shells.set('i-stopping', { file: '/bin/sh', args: ['-i'], env: { PATH: '/usr/bin:/bin' } });
    expect(await open('i-1', { ...asA(), authorization: 'Bearer nope' })).toMatchObject({
      status: 403,
      code: 'InvalidAccessKeyID',
    });
    expect(await open('i-1', { ...asA(), 'x-asyncfn-tenant': 'tenant-b' })).toMatchObject({
      status: 404,
      code: 'InstanceNotFound',
    });
    expect(await open('i-unknown', asA())).toMatchObject({ status: 404, code: 'InstanceNotFound' });
    expect(await open('i-stopping', asA())).toMatchObject({ status: 404, code: 'InstanceNotFound' });
    instances.push(instance({ instanceId: 'i-bare' }));
    expect(await open('i-bare', asA())).toMatchObject({ status: 409, code: 'InstanceTerminalUnavailable' });
  });

  it('relays a shell behind a PTY of the asked size, applies resizes, and kills its session on close', async () => {
    instances = [instance()];
    const opened = await open('i-1', asA(), '?cols=100&rows=30');
    expect(opened).toHaveProperty('socket');
    const socket = (opened as { socket: WebSocket }).socket;
    const output = outputOf(socket);
    socket.send(Buffer.from('echo "size-$(stty size | tr " " x)"\n'), { binary: true });
    await until(() => output().includes('size-30x100'));
    socket.send(JSON.stringify({ type: 'resize', cols: 90, rows: 20 }));
    socket.send(Buffer.from('echo "size-$(stty size | tr " " x)"; (sleep 8765 &); echo "bg-$((1+1))"\n'), {
      binary: true,
    });
    await until(() => output().includes('size-20x90') && output().includes('bg-2'));
    expect(processesNamed(['sleep', '8765'])).toBe(1);
    socket.close();
    await until(() => processesNamed(['sleep', '8765']) === 0);
  });

  it('closes the terminal with 4404 when the instance goes away', async () => {
    instances = [instance()];
    const socket = ((await open('i-1', asA())) as { socket: WebSocket }).socket;
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    terminals.instanceChanged(instance({ status: 'destroyed' }));
    expect(await closed).toBe(4404);
  });

  it('tells the shell exited, with its code, and closes normally', async () => {
    instances = [instance()];
    const socket = ((await open('i-1', asA())) as { socket: WebSocket }).socket;
    const notices: string[] = [];
    socket.on('message', (data, isBinary) => {
      if (!isBinary) notices.push((data as Buffer).toString('utf8'));
    });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(Buffer.from('exit 3\n'), { binary: true });
    expect(await closed).toBe(1000);
    expect(notices.map((n) => JSON.parse(n) as unknown)).toEqual([{ type: 'exit', exitCode: 3 }]);
  });
});
