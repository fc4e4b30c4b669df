import { readdirSync, readFileSync } from 'node:fs';
import { spawn as spawnPty, type IPty } from '@lydell/node-pty';
import type { WebSocket } from 'ws';
import { TerminalCloseCode, parseTerminalControl, type TerminalNotice } from '@asyncfn/contracts';
import type { ShellCommand } from '@asyncfn/runtime';
import type { Logger } from '@asyncfn/telemetry';

/** Output waiting in the socket beyond this pauses the shell until the browser catches up. */
const MAX_BUFFERED_BYTES = 1 << 20;
const BACKPRESSURE_CHECK_MS = 50;
const EXIT_SETTLE_MS = 300;

export interface TerminalSession {
  instanceId: string;
  /** Ends the shell (and whatever it started) and closes the socket with `code`. */
  close(code: number, reason: string): void;
}

/**
 * One terminal: `shell` (the instance's sandboxed shell) behind a real PTY (node-pty, prebuilt by
 * @lydell/node-pty: a kernel pseudo-terminal, so line editing, job control, colours and resizes
 * work as in any terminal), relayed to `socket`. Closing the socket kills the shell's whole
 * session; the shell exiting closes the socket.
 */
export function openTerminalSession(deps: {
  socket: WebSocket;
  instanceId: string;
  shell: ShellCommand;
  size: { cols: number; rows: number };
  logger: Logger;
  /** Whether the instance is still up (not stopping or destroyed). */
  instanceLive: () => boolean;
  onEnd: () => void;
}): TerminalSession {
  const { socket, logger } = deps;
  const pty: IPty = spawnPty(deps.shell.file, deps.shell.args, {
    name: 'xterm-256color',
    cols: deps.size.cols,
    rows: deps.size.rows,
    cwd: '/',
    env: deps.shell.env,
  });
  const sessionId = pty.pid;
  const input = new TextDecoder();
  let ended = false;
  let paused = false;

  const end = (code: number, reason: string) => {
    if (ended) return;
    ended = true;
    clearInterval(backpressure);
    killSession(sessionId);
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING)
      socket.close(code, reason);
    deps.onEnd();
  };

  pty.onData((data) => {
    if (socket.readyState !== socket.OPEN) return;
    socket.send(Buffer.from(data, 'utf8'), { binary: true });
    if (!paused && socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      paused = true;
      pty.pause();
    }
  });
  // A flood of output (`cat /dev/urandom`) pauses the shell rather than filling the executor's memory.
  const backpressure = setInterval(() => {
    if (paused && socket.bufferedAmount < MAX_BUFFERED_BYTES / 4) {
      paused = false;
      pty.resume();
    }
  }, BACKPRESSURE_CHECK_MS);
  backpressure.unref();

  pty.onExit(({ exitCode, signal }) => {
    if (ended) return;
    // The instance going away kills the shell, maybe before the pool tells of it: wait a moment,
    // so the browser learns "the instance is gone" rather than "the shell exited".
    setTimeout(() => {
      if (deps.instanceLive()) {
        if (socket.readyState === socket.OPEN) {
          const notice: TerminalNotice = { type: 'exit', exitCode, ...(signal ? { signal } : {}) };
          socket.send(JSON.stringify(notice));
        }
        end(TerminalCloseCode.Exited, 'the shell exited');
      } else end(TerminalCloseCode.InstanceGone, 'the instance is gone');
    }, EXIT_SETTLE_MS).unref();
  });

  socket.on('message', (data, isBinary) => {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary) {
      pty.write(input.decode(bytes, { stream: true }));
      return;
    }
    const control = parseTerminalControl(bytes.toString('utf8'));
    if (control?.type === 'resize') pty.resize(control.cols, control.rows);
  });
  socket.on('close', () => end(TerminalCloseCode.Exited, 'closed'));
  socket.on('error', (err) => logger.warn({ err, instanceId: deps.instanceId }, 'terminal socket error'));
  logger.info({ instanceId: deps.instanceId, pid: sessionId }, 'terminal opened');

  return { instanceId: deps.instanceId, close: end };
}

/**
 * SIGKILLs every process of the terminal's session (the PTY's child is a session leader; what the
 * shell starts stays in its session unless it calls setsid, and then it still lives in the
 * instance's cgroup and dies with the instance). Hand-written: a /proc scan of a few lines.
 */
function killSession(sessionId: number): void {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command's closing parenthesis: state, ppid, pgrp, session, …
      const session = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
      if (session === sessionId) process.kill(Number(entry), 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}
