import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import {
  ERRORS,
  EXECUTOR_TERMINAL_PATH,
  TERMINAL_MAX_COLS,
  TERMINAL_MAX_ROWS,
  TerminalCloseCode,
  TerminalHeaders,
  errorMessage,
  type ErrorCode,
} from '@asyncfn/contracts';
import type { InstanceInfo, ShellCommand } from '@asyncfn/runtime';
import type { Logger } from '@asyncfn/telemetry';
import { openTerminalSession, type TerminalSession } from './terminal-session.js';

export interface TerminalServer {
  /** This executor's terminal credential (random per start), published in its instance records. */
  token: string;
  /** Takes the WebSocket upgrades of the executor's HTTP port. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** The pool's `onInstanceChange`: a destroyed instance's terminals are closed. */
  instanceChanged(info: InstanceInfo): void;
  /** Shutdown: every terminal closes. */
  closeAll(): void;
}

/**
 * "Log on to an instance", the executor's half: `GET /internal/terminal/<instanceId>?cols=&rows=`
 * upgraded to a WebSocket, from the ingress only (it presents this executor's token, which it read
 * from the instance's record). The shell runs in the instance's sandbox as the function does
 * (`instanceShell`), and only for the tenant that owns the instance.
 */
export function createTerminalServer(deps: {
  /** The pool's live instances. */
  instances: () => InstanceInfo[];
  /** `instanceShell` of @asyncfn/runtime. */
  shell: (instanceId: string) => ShellCommand | undefined;
  logger: Logger;
}): TerminalServer {
  const token = randomBytes(32).toString('base64url');
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  const sessions = new Set<TerminalSession>();

  const refuse = (socket: Duplex, code: ErrorCode, message: string) => {
    const body = JSON.stringify({ Code: code, Message: message });
    socket.end(
      `HTTP/1.1 ${ERRORS[code].status} ${code}\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  };

  return {
    token,
    upgrade(request, socket, head) {
      const url = new URL(request.url ?? '/', 'http://executor');
      if (!url.pathname.startsWith(EXECUTOR_TERMINAL_PATH)) {
        refuse(
          socket,
          'PathNotSupported',
          errorMessage('PathNotSupported', { method: 'GET', path: url.pathname }),
        );
        return;
      }
      if (!sameSecret(request.headers[TerminalHeaders.authorization] ?? '', `Bearer ${token}`)) {
        refuse(socket, 'InvalidAccessKeyID', "not the ingress: the executor's terminal credential is wrong");
        return;
      }
      const instanceId = decodeURIComponent(url.pathname.slice(EXECUTOR_TERMINAL_PATH.length));
      const tenant = request.headers[TerminalHeaders.tenant];
      // Another tenant's instance is answered as unknown: whether it exists is none of their business.
      const info = deps
        .instances()
        .find((i) => i.instanceId === instanceId && i.tenant === tenant && isLive(i));
      if (!info) {
        refuse(socket, 'InstanceNotFound', `instance '${instanceId}' does not exist or is gone`);
        return;
      }
      const shell = deps.shell(instanceId);
      if (!shell) {
        refuse(
          socket,
          'InstanceTerminalUnavailable',
          `instance '${instanceId}' has no sandbox to log on to (it is starting, or the executor runs functions unsandboxed)`,
        );
        return;
      }
      const size = {
        cols: bounded(url.searchParams.get('cols'), TERMINAL_MAX_COLS, 80),
        rows: bounded(url.searchParams.get('rows'), TERMINAL_MAX_ROWS, 24),
      };
      wss.handleUpgrade(request, socket, head, (ws) => {
        const session = openTerminalSession({
          socket: ws,
          instanceId,
          shell,
          size,
          logger: deps.logger.child({ tenant: info.tenant, functionName: info.functionName }),
          instanceLive: () => deps.instances().some((i) => i.instanceId === instanceId && isLive(i)),
          onEnd: () => sessions.delete(session),
        });
        sessions.add(session);
      });
    },
    instanceChanged(info) {
      if (isLive(info)) return;
      for (const session of sessions) {
        if (session.instanceId === info.instanceId)
          session.close(TerminalCloseCode.InstanceGone, 'the instance is gone');
      }
    },
    closeAll() {
      for (const session of sessions)
        session.close(TerminalCloseCode.InstanceGone, 'the executor is shutting down');
      wss.close();
    },
  };
}

/** Secrets compared by their digests: constant time whatever their lengths. */
function sameSecret(presented: string | string[], expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(String(presented)), digest(expected));
}

/** Not stopping or destroyed: a terminal may open, or stay open. */
const isLive = (info: InstanceInfo) => info.status !== 'stopping' && info.status !== 'destroyed';

function bounded(raw: string | null, max: number, fallback: number): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : fallback;
}
