import { zipFiles } from '@asyncfn/runtime';
import { API, type IngressClient } from './ingress-client.js';

/*
 * The functions the bench runs. One code for all, so every workload pays the same per-task work:
 * a noop that reports its completion with one UDP datagram to the bench's collector (the only way
 * to see an untracked task finish, used for tracked ones too so the two compare fairly). A payload
 * marked "f":1 (byte 5, see lib/payload.ts) fails its first attempt, for the retries workload.
 */
const SOURCE = `
const dgram = require('node:dgram');
const socket = dgram.createSocket('udp4');
socket.unref();
const port = Number(process.env.BENCH_COLLECTOR_PORT);
exports.handler = async (event, context) => {
  if (event[5] === 0x31 && context.attempt === 1) throw new Error('planned failure of the first attempt');
  socket.send(context.taskId, port, '127.0.0.1');
  return 'ok';
};
`;

export interface FunctionSpec {
  name: string;
  instanceConcurrency: number;
  asyncTask: boolean;
  maxAsyncRetryAttempts: number;
}

async function ok(what: string, answer: Promise<{ status: number; body: string }>): Promise<void> {
  const res = await answer;
  if (res.status >= 300) throw new Error(`${what}: HTTP ${res.status} ${res.body.slice(0, 300)}`);
}

export async function createBenchFunction(
  client: IngressClient,
  spec: FunctionSpec,
  collectorPort: number,
): Promise<void> {
  await ok(
    `create function ${spec.name}`,
    client.request('POST', `${API}/functions`, {
      functionName: spec.name,
      runtime: 'nodejs20',
      handler: 'index.handler',
      timeout: 30,
      memorySize: 256,
      instanceConcurrency: spec.instanceConcurrency,
      environmentVariables: { BENCH_COLLECTOR_PORT: String(collectorPort) },
      code: { zipFile: zipFiles({ 'index.js': SOURCE }).toString('base64') },
    }),
  );
  await ok(
    `async config of ${spec.name}`,
    client.request('PUT', `${API}/functions/${spec.name}/async-invoke-config`, {
      asyncTask: spec.asyncTask,
      maxAsyncRetryAttempts: spec.maxAsyncRetryAttempts,
    }),
  );
}
