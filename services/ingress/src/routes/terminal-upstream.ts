import WebSocket from 'ws';
import {
  EXECUTOR_TERMINAL_PATH,
  TerminalHeaders,
  errorMessage,
  type InstanceRecord,
} from '@asyncfn/contracts';
import { ApiError, notFound } from '@asyncfn/core';

const CONNECT_TIMEOUT_MS = 15_000;

/** The executor's socket, and the frames it sent before the browser's socket was there to take them. */
export interface Upstream {
  socket: WebSocket;
  pending: { data: WebSocket.RawData; isBinary: boolean }[];
}

/**
 * Opens the instance's terminal on the executor that owns it, as the ingress (its per-start token
 * from the instance's record) for `tenant`. Answers before the browser's upgrade is accepted, so
 * an instance that is gone meanwhile is still an FC-style 404.
 */
export function openUpstream(
  record: InstanceRecord & { terminal: { url: string; token: string } },
  tenant: string,
  size: { cols: number; rows: number },
): Promise<Upstream> {
  const url = new URL(
    `${EXECUTOR_TERMINAL_PATH}${encodeURIComponent(record.instanceId)}`,
    record.terminal.url,
  );
  url.searchParams.set('cols', String(size.cols));
  url.searchParams.set('rows', String(size.rows));
  const socket = new WebSocket(url, {
    headers: {
      [TerminalHeaders.authorization]: `Bearer ${record.terminal.token}`,
      [TerminalHeaders.tenant]: tenant,
    },
    handshakeTimeout: CONNECT_TIMEOUT_MS,
    maxPayload: 1 << 24,
  });
  const upstream: Upstream = { socket, pending: [] };
  const buffer = (data: WebSocket.RawData, isBinary: boolean) => upstream.pending.push({ data, isBinary });
  socket.on('message', buffer);
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.off('error', failed);
      resolve(upstream);
    });
    const failed = (err: Error) =>
      reject(
        new ApiError('ServiceUnavailable', `the instance's executor cannot be reached: ${err.message}`, {
          cause: err,
        }),
      );
    socket.once('error', failed);
    socket.once('unexpected-response', (_request, response) => {
      socket.off('error', failed);
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        // Aborting the handshake reports an error the caller has no use for: the refusal says it all.
        socket.on('error', () => {});
        socket.terminate();
        let refusal: { Code?: string; Message?: string } = {};
        try {
          refusal = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof refusal;
        } catch {
          // not the executor's JSON: treated as unavailable below
        }
        if (refusal.Code === 'InstanceNotFound')
          reject(notFound.instance(record.functionName, record.instanceId));
        else if (refusal.Code === 'InstanceTerminalUnavailable')
          reject(new ApiError('InstanceTerminalUnavailable', refusal.Message ?? 'no terminal'));
        else
          reject(
            new ApiError(
              'ServiceUnavailable',
              `${errorMessage('ServiceUnavailable')} (the executor answered ${response.statusCode ?? '?'})`,
            ),
          );
      });
    });
  });
}
