import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api.js';

const SYMBOL: Record<string, string> = {
  Enqueued: '◷',
  Dequeued: '◷',
  Running: '▶',
  Retrying: '↻',
  Stopping: '■',
  Succeeded: '✓',
  Failed: '✗',
  Stopped: '■',
  Expired: '⊘',
  Invalid: '⚠',
};

/** A task state as a word (with a symbol and a colour, never the colour alone). */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span class={`status status-${status}`} data-status={status}>
      <span aria-hidden="true">{SYMBOL[status] ?? '•'} </span>
      {status}
    </span>
  );
}

/** An error as the API gave it: its FC code first. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : undefined;
  return (
    <div class="error" role="alert">
      <strong>{e ? e.code : 'Error'}</strong>: {e ? e.message : String((error as Error).message ?? error)}
      {e?.requestId ? <span class="muted"> (request {e.requestId})</span> : null}
    </div>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

/** Data loaded by an async function: re-run with `reload`, or when `deps` change. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return {
    ...state,
    reload,
    set: (data: T) => setState({ data, loading: false }),
    /** Changes the loaded data in place (live updates), from the latest state. */
    update: (change: (data: T) => T) =>
      setState((s) => (s.data === undefined ? s : { ...s, data: change(s.data) })),
  };
}

/** A button whose action is async: disabled while it runs, its error shown beside it. */
export function ActionButton(props: {
  label: string;
  onClick: () => Promise<unknown>;
  class?: string;
  disabled?: boolean;
  title?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  return (
    <span class="action">
      <button
        type="button"
        class={props.class}
        disabled={busy || props.disabled}
        title={props.title}
        onClick={async () => {
          setBusy(true);
          setError(undefined);
          try {
            await props.onClick();
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        {props.label}
      </button>
      {error ? <ErrorBox error={error} /> : null}
    </span>
  );
}

export const formatTime = (ms: number | undefined) =>
  ms === undefined ? '—' : new Date(ms).toLocaleString(undefined, { hour12: false });

export function taskHref(fn: string, id: string): string {
  return `#/tasks/${encodeURIComponent(fn)}/${encodeURIComponent(id)}`;
}
