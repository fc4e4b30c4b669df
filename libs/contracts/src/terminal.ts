/*
 * "Log on to an instance": a terminal over a WebSocket, browser → ingress → the executor that owns
 * the instance (see docs/console.md). The same frames travel on both hops; the ingress only relays.
 *
 * - to the shell: a binary frame is keyboard input; a text frame is a control message
 *   (`TerminalControl`, JSON);
 * - from the shell: a binary frame is terminal output; a text frame is a `TerminalNotice` (JSON).
 */

/** Browser → ingress: the route (GET, upgraded), under the FC 3.0 API prefix. */
export const terminalRoute = (api: string) => `${api}/functions/:functionName/instances/:instanceId/terminal`;

/** Ingress → executor: the path on the executor's own HTTP port. */
export const EXECUTOR_TERMINAL_PATH = '/internal/terminal/';

/** Ingress → executor: headers of the upgrade request. */
export const TerminalHeaders = {
  /** `Bearer <token>`: the executor's terminal credential, from the instance's record. */
  authorization: 'authorization',
  /** The tenant the ingress authenticated; the executor checks it owns the instance. */
  tenant: 'x-asyncfn-tenant',
} as const;

/**
 * The console's WebSocket subprotocols: the first names the protocol, the second carries the
 * session's CSRF token (a browser cannot set headers on a WebSocket, and a query string would
 * land in access logs).
 */
export const TERMINAL_SUBPROTOCOL = 'asyncfn-terminal';
export const CSRF_SUBPROTOCOL_PREFIX = 'csrf.';

export type TerminalControl = { type: 'resize'; cols: number; rows: number };

export type TerminalNotice =
  /** The shell ended (it exited, or was killed with the instance). */
  { type: 'exit'; exitCode: number; signal?: number };

/** Close codes (4000–4999 are the application's). */
export const TerminalCloseCode = {
  /** The shell exited. */
  Exited: 1000,
  /** The instance was destroyed (idle reclaim, new version, stop, shutdown). */
  InstanceGone: 4404,
  /** The console session that opened the terminal was signed out or expired. */
  SignedOut: 4401,
  /** The executor could not be reached or refused the relay. */
  Unavailable: 4503,
} as const;

/** Bounds of a resize (xterm sends its grid; anything else is ignored). */
export const TERMINAL_MAX_COLS = 1000;
export const TERMINAL_MAX_ROWS = 500;

/** A resize message, validated; undefined for anything else. */
export function parseTerminalControl(text: string): TerminalControl | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { type, cols, rows } = (value ?? {}) as Record<string, unknown>;
  const valid = (n: unknown, max: number): n is number =>
    Number.isInteger(n) && (n as number) >= 1 && (n as number) <= max;
  if (type !== 'resize' || !valid(cols, TERMINAL_MAX_COLS) || !valid(rows, TERMINAL_MAX_ROWS))
    return undefined;
  return { type, cols, rows };
}
