import { useState } from 'preact/hooks';
import { API, get, json } from '../api.js';
import { ErrorBox } from '../components/common.js';

/** The bulk operations API (POST /async-task-bulk-operations, GET …/{operationId}). */
interface BulkOperation {
  operationId: string;
  action: 'Stop' | 'Rerun';
  state: 'DryRun' | 'Running' | 'Completed' | 'Failed';
  matched: number;
  succeeded: number;
  failed: number;
}

export interface BulkFilter {
  functionName?: string;
  status?: string;
  prefix?: string;
  startedTimeBegin?: number;
  startedTimeEnd?: number;
}

const VERB = { Stop: 'Stop', Rerun: 'Re-run' } as const;
const POLL_MS = 1_000;

/**
 * Stop or re-run every task the table's filter matches: first a dry run tells how many, the
 * person confirms that count, then the operation's progress is followed until it completes.
 */
export function BulkActions({ filter, onDone }: { filter: BulkFilter; onDone: () => void }) {
  const [preview, setPreview] = useState<BulkOperation>();
  const [running, setRunning] = useState<BulkOperation>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const start = async (action: 'Stop' | 'Rerun', dryRun: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      const op = await json<BulkOperation>('POST', `${API}/async-task-bulk-operations`, {
        body: { action, ...filter, dryRun },
      });
      if (dryRun) {
        setPreview(op);
        return;
      }
      setPreview(undefined);
      setRunning(op);
      let current = op;
      while (current.state === 'Running') {
        await new Promise((r) => setTimeout(r, POLL_MS));
        current = await get<BulkOperation>(
          `${API}/async-task-bulk-operations/${encodeURIComponent(op.operationId)}`,
        );
        setRunning(current);
      }
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const described = Object.entries(filter)
    .map(([k, v]) => `${k}=${k.startsWith('startedTime') ? new Date(v as number).toLocaleString() : v}`)
    .join(', ');

  return (
    <div class="bulk" aria-label="Bulk actions">
      <span class="muted small">Every task matching {described || 'no filter (all tasks)'}:</span>
      <button type="button" disabled={busy} onClick={() => start('Stop', true)}>
        Stop matching…
      </button>
      <button type="button" disabled={busy} onClick={() => start('Rerun', true)}>
        Re-run matching…
      </button>
      {preview ? (
        <div class="confirm" role="alertdialog" aria-labelledby="bulk-confirm-text">
          <p id="bulk-confirm-text">
            {preview.matched === 0
              ? `No task matches: nothing to ${VERB[preview.action].toLowerCase()}.`
              : `${VERB[preview.action]} ${preview.matched} task${preview.matched === 1 ? '' : 's'} matching ${described || 'no filter'}?`}
          </p>
          {preview.matched > 0 ? (
            <button type="button" class="danger" disabled={busy} onClick={() => start(preview.action, false)}>
              {`${VERB[preview.action]} ${preview.matched} task${preview.matched === 1 ? '' : 's'}`}
            </button>
          ) : null}
          <button type="button" onClick={() => setPreview(undefined)}>
            Cancel
          </button>
        </div>
      ) : null}
      {running ? (
        <div class="progress" role="status" aria-live="polite">
          <label>
            {VERB[running.action]}: {running.succeeded + running.failed} of {running.matched} done
            {running.failed ? `, ${running.failed} failed` : ''} — {running.state}
            <progress max={Math.max(1, running.matched)} value={running.succeeded + running.failed} />
          </label>
          {running.state !== 'Running' ? (
            <button type="button" onClick={() => setRunning(undefined)}>
              Dismiss
            </button>
          ) : null}
        </div>
      ) : null}
      <ErrorBox error={error} />
    </div>
  );
}
