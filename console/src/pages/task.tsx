import { useEffect, useState } from 'preact/hooks';
import { json, request, taskPath } from '../api.js';
import {
  ActionButton,
  Empty,
  ErrorBox,
  Loading,
  StatusBadge,
  formatTime,
  taskHref,
  useAsync,
} from '../components/common.js';
import { formatDuration, timeInStates, timeline } from '../lib/timeline.js';
import { isTerminal, type AsyncTask } from '../lib/types.js';
import { navigate } from '../router.js';
import { useLiveChanges } from './tasks.js';
import { TraceWaterfall } from './trace.js';

/** One task: its state, timeline, payload and result, deliveries, logs, resources and trace. */
export function TaskPage({ fn, id }: { fn: string; id: string }) {
  const task = useAsync(() => json<AsyncTask>('GET', taskPath(fn, id)), [fn, id]);
  // Live: the task is read again when the feed says it changed (not on a timer), and once the
  // feed is open (a change between the first read and the subscription would be missed).
  useLiveChanges(
    fn,
    (changes) => {
      if (changes.some((c) => c.taskId === id)) task.reload();
    },
    () => task.reload(),
  );
  const [now, setNow] = useState(Date.now());
  const t = task.data;
  const ended = t ? isTerminal(t.status) : false;
  useEffect(() => {
    if (ended) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ended]);

  if (task.error) return <ErrorBox error={task.error} />;
  if (!t) return <Loading what="Loading the task" />;
  const rows = timeline(t.events ?? [], now);
  return (
    <article aria-labelledby="task-title">
      <p class="crumbs">
        <a href="#/tasks">Tasks</a> › <a href={`#/tasks?fn=${encodeURIComponent(fn)}`}>{fn}</a>
      </p>
      <div class="title-row">
        <h1 id="task-title" class="mono">
          {t.taskId}
        </h1>
        <StatusBadge status={t.status} />
      </div>
      <dl class="facts">
        <dt>Function</dt>
        <dd>
          <a href={`#/functions/${encodeURIComponent(fn)}`}>{fn}</a>
        </dd>
        <dt>Submitted</dt>
        <dd>{formatTime(t.startedTime)}</dd>
        <dt>Ended</dt>
        <dd>{formatTime(t.endTime)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(t.durationMs)}</dd>
        <dt>Attempts</dt>
        <dd>
          {t.invokeCount ?? 0} (retried {t.alreadyRetriedTimes ?? 0})
        </dd>
        {t.rerunOf ? (
          <>
            <dt>Re-run of</dt>
            <dd>
              <a href={taskHref(fn, t.rerunOf)}>{t.rerunOf}</a>
            </dd>
          </>
        ) : null}
        <dt>Request ID</dt>
        <dd class="mono">{t.requestId}</dd>
      </dl>
      <TaskActions fn={fn} task={t} onChanged={task.reload} />

      <h2>Timeline</h2>
      <div class="table-wrap">
        <table class="timeline">
          <thead>
            <tr>
              <th scope="col">State</th>
              <th scope="col">Time</th>
              <th scope="col">Attempt</th>
              <th scope="col">Time in state</th>
              <th scope="col">By</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                <td>
                  <StatusBadge status={r.status} />
                </td>
                <td>{formatTime(r.timestamp)}</td>
                <td>{r.attempt ?? '—'}</td>
                <td>
                  {formatDuration(r.spentMs)}
                  {r.current ? <span class="muted"> (so far)</span> : null}
                </td>
                <td>{r.source ?? '—'}</td>
                <td class="detail">{r.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="muted small">
        Time per state:{' '}
        {timeInStates(rows)
          .map((s) => `${s.status} ${formatDuration(s.ms)}`)
          .join(' · ') || '—'}
      </p>

      <div class="two">
        <section>
          <h2>Payload</h2>
          <pre class="box" aria-label="Payload">
            {t.taskPayload ?? ''}
          </pre>
        </section>
        <section>
          <h2>{t.taskErrorMessage ? 'Error' : 'Result'}</h2>
          {t.taskErrorMessage ? (
            <pre class="box error-text" aria-label="Error">
              {t.taskErrorMessage}
            </pre>
          ) : (
            <pre class="box" aria-label="Result">
              {t.returnPayload ?? (ended ? '(none)' : '(not finished)')}
            </pre>
          )}
        </section>
      </div>

      <h2>Destination delivery</h2>
      <p>
        {t.destinationStatus ? (
          <>
            Delivery: <strong>{t.destinationStatus}</strong>{' '}
          </>
        ) : (
          <span class="muted">
            No delivery recorded (the function may have no destination for this outcome).{' '}
          </span>
        )}
        {ended ? (
          <ActionButton
            label="Redeliver"
            title="Send the result record to the destination again"
            onClick={async () => {
              await request('POST', `${taskPath(fn, t.taskId)}/redeliver`);
              task.reload();
            }}
          />
        ) : null}
      </p>

      <h2>Resources</h2>
      {t.resources ? (
        <dl class="facts">
          <dt>Last attempt</dt>
          <dd>{formatDuration(t.resources.durationMs)}</dd>
          <dt>Peak memory</dt>
          <dd>{t.resources.peakMemoryMB !== undefined ? `${t.resources.peakMemoryMB} MB` : '—'}</dd>
          <dt>CPU time</dt>
          <dd>{formatDuration(t.resources.cpuTimeMs)}</dd>
          <dt>Instance</dt>
          <dd class="mono">{t.instanceId ?? '—'}</dd>
        </dl>
      ) : (
        <p class="muted">No attempt has finished yet.</p>
      )}

      <TaskLogs fn={fn} id={t.taskId} version={t.status} />
      <TraceWaterfall fn={fn} id={t.taskId} ended={ended} />
    </article>
  );
}

function TaskActions({ fn, task, onChanged }: { fn: string; task: AsyncTask; onChanged: () => void }) {
  const [force, setForce] = useState('');
  const [editing, setEditing] = useState(false);
  const [payload, setPayload] = useState(task.taskPayload ?? '');
  const [newId, setNewId] = useState('');
  const ended = isTerminal(task.status);
  const rerun = async (body?: string) => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/octet-stream';
    if (newId.trim()) headers['x-fc-async-task-id'] = newId.trim();
    const res = await request('POST', `${taskPath(fn, task.taskId)}/rerun`, {
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const id = res.headers.get('x-fc-async-task-id');
    if (id) navigate(`tasks/${encodeURIComponent(fn)}/${encodeURIComponent(id)}`);
  };
  return (
    <div class="actions" aria-label="Task actions">
      {!ended ? (
        <>
          <label>
            Kill deadline
            <select
              aria-label="Kill deadline"
              value={force}
              onChange={(e) => setForce(e.currentTarget.value)}
            >
              <option value="">Graceful (PreStop, then the function's timeout)</option>
              <option value="5000">Kill after 5 s</option>
              <option value="30000">Kill after 30 s</option>
              <option value="0">Kill now</option>
            </select>
          </label>
          <ActionButton
            label="Stop"
            class="danger"
            onClick={async () => {
              await request('PUT', `${taskPath(fn, task.taskId)}/stop`, {
                query: { forceAfterMs: force || undefined },
              });
              onChanged();
            }}
          />
        </>
      ) : (
        <>
          <label>
            New task ID (optional)
            <input value={newId} placeholder="generated" onInput={(e) => setNewId(e.currentTarget.value)} />
          </label>
          <ActionButton label="Re-run" onClick={() => rerun()} />
          <button type="button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
            Re-run with edited payload…
          </button>
        </>
      )}
      {editing && ended ? (
        <div class="edit-payload">
          <label>
            New payload
            <textarea
              aria-label="New payload"
              rows={6}
              value={payload}
              onInput={(e) => setPayload(e.currentTarget.value)}
            />
          </label>
          <ActionButton label="Re-run with this payload" onClick={() => rerun(payload)} />
        </div>
      ) : null}
    </div>
  );
}

function TaskLogs({ fn, id, version }: { fn: string; id: string; version: string }) {
  const logs = useAsync(
    () => json<{ logs: string; truncated: boolean; attempts: number }>('GET', `${taskPath(fn, id)}/logs`),
    [fn, id, version],
  );
  return (
    <section>
      <h2>Logs</h2>
      <ErrorBox error={logs.error} />
      {logs.loading && !logs.data ? <Loading what="Loading logs" /> : null}
      {logs.data && !logs.data.logs ? (
        <Empty>No output captured{logs.data.attempts ? '' : ' (no attempt yet)'}.</Empty>
      ) : null}
      {logs.data?.logs ? (
        <>
          <p class="muted small">
            {logs.data.attempts} attempt{logs.data.attempts === 1 ? '' : 's'}, each under its own header
            {logs.data.truncated ? '; the oldest output was dropped (256 KB cap)' : ''}.
          </p>
          <pre class="box logs" aria-label="Logs">
            {logs.data.logs}
          </pre>
        </>
      ) : null}
      <button type="button" onClick={logs.reload}>
        Refresh logs
      </button>
    </section>
  );
}
