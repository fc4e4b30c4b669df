import { useEffect, useRef, useState } from 'preact/hooks';
import { currentCsrfToken, fnPath, get } from '../api.js';
import '@xterm/xterm/css/xterm.css';

/* The terminal protocol of libs/contracts/src/terminal.ts (the console bundles no server code). */
const SUBPROTOCOL = 'asyncfn-terminal';
const CSRF_PREFIX = 'csrf.';
const CLOSED: Record<number, string> = {
  1000: 'The shell ended.',
  4401: 'Signed out: the terminal was closed.',
  4404: 'The instance is gone (it was reclaimed, replaced or stopped): the terminal was closed.',
  4503: "The instance's executor went away: the terminal was closed.",
};

interface Instance {
  instanceId: string;
  status: string;
}

/**
 * "Log on to an instance": xterm.js over a WebSocket to the ingress, which relays it to a shell in
 * the instance's sandbox (the function's uid, its limits, its view of the disk). xterm.js is
 * loaded on demand (its own chunk, bundled; no CDN). The shell is killed when this panel closes.
 */
export function TerminalPanel(props: { fn: string; instanceId: string; onClose: () => void }) {
  const host = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<{ open: boolean; message?: string; gone?: boolean }>({
    open: false,
    message: 'Connecting…',
  });

  useEffect(() => {
    let disposed = false;
    let cleanup = () => {};
    void (async () => {
      const [{ Terminal }, { FitAddon }] = await Promise.all([
        import('@xterm/xterm'),
        import('@xterm/addon-fit'),
      ]);
      if (disposed || !host.current) return;
      const term = new Terminal({ cursorBlink: true, fontSize: 13, convertEol: false, scrollback: 2000 });
      const fit = new FitAddon();
      term.loadAddon(fit);
      term.open(host.current);
      fit.fit();
      const url = new URL(
        `${fnPath(props.fn)}/instances/${encodeURIComponent(props.instanceId)}/terminal`,
        location.href,
      );
      url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
      url.searchParams.set('cols', String(term.cols));
      url.searchParams.set('rows', String(term.rows));
      const socket = new WebSocket(url, [SUBPROTOCOL, `${CSRF_PREFIX}${currentCsrfToken()}`]);
      socket.binaryType = 'arraybuffer';
      let opened = false;
      const encoder = new TextEncoder();
      socket.onopen = () => {
        opened = true;
        setState({ open: true });
        term.focus();
      };
      socket.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
        if (typeof event.data !== 'string') {
          term.write(new Uint8Array(event.data));
          return;
        }
        const notice = JSON.parse(event.data) as { type: string; exitCode?: number };
        if (notice.type === 'exit')
          term.write(`\r\n[the shell exited with code ${notice.exitCode ?? '?'}]\r\n`);
      };
      socket.onclose = (event) => {
        if (disposed) return;
        if (opened) {
          setState({
            open: false,
            message: CLOSED[event.code] ?? `The terminal closed (${event.code}).`,
            gone: event.code === 4404,
          });
          return;
        }
        // A refused upgrade tells the page nothing: ask the API whether the instance still lives.
        void whyRefused(props.fn, props.instanceId).then((message) =>
          setState({ open: false, message, gone: message.startsWith('The instance is gone') }),
        );
      };
      const input = term.onData((data) => {
        if (socket.readyState === WebSocket.OPEN) socket.send(encoder.encode(data));
      });
      const resize = term.onResize(({ cols, rows }) => {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'resize', cols, rows }));
      });
      const observer = new ResizeObserver(() => fit.fit());
      observer.observe(host.current);
      cleanup = () => {
        observer.disconnect();
        input.dispose();
        resize.dispose();
        socket.close(1000);
        term.dispose();
      };
    })().catch((err: unknown) => setState({ open: false, message: `The terminal failed: ${String(err)}` }));
    return () => {
      disposed = true;
      cleanup();
    };
  }, [props.fn, props.instanceId]);

  return (
    <section class="card terminal-card" aria-label={`Terminal of instance ${props.instanceId}`}>
      <div class="title-row">
        <h2>
          Terminal <span class="mono small">{props.instanceId}</span>
        </h2>
        <span class="muted small">
          {state.open ? 'Connected: a shell in the instance’s sandbox, as the function’s user' : ''}
        </span>
        <button type="button" onClick={props.onClose}>
          Close terminal
        </button>
      </div>
      {state.message ? (
        <p class={state.gone ? 'error' : 'muted'} role="status" aria-live="polite">
          {state.message}
        </p>
      ) : null}
      <div class="terminal" ref={host} />
    </section>
  );
}

async function whyRefused(fn: string, instanceId: string): Promise<string> {
  try {
    const { instances } = await get<{ instances: Instance[] }>(`${fnPath(fn)}/instances`);
    const instance = instances.find((i) => i.instanceId === instanceId);
    if (!instance || instance.status === 'destroyed')
      return 'The instance is gone (it was reclaimed, replaced or stopped): there is nothing to log on to.';
    return 'The terminal could not be opened (the instance may be starting, or run unsandboxed); try again.';
  } catch (err) {
    return `The terminal could not be opened: ${String((err as Error).message ?? err)}`;
  }
}
