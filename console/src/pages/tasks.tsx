import { useEffect, useRef, useState } from 'preact/hooks';
import { API, get } from '../api.js';
import {
  Empty,
  ErrorBox,
  Loading,
  StatusBadge,
  formatTime,
  taskHref,
  useAsync,
} from '../components/common.js';
import { applyChanges, rowOf, type TableFilter, type TaskRow } from '../lib/live.js';
import { formatDuration } from '../lib/timeline.js';
import { ALL_STATUSES, type AsyncTask, type FunctionInfo, type TaskChange } from '../lib/types.js';
import { navigate } from '../router.js';
import { BulkActions } from './bulk.js';

const COUNTS_EVERY_MS = 1_000;
const toMs = (local: string | null) => (local ? new Date(local).getTime() : undefined);

/** The task table: every function or one, filtered, sorted, paged, and live. */
export function TasksPage({ query }: { query: URLSearchParams }) {
  const fn = query.get('fn') ?? '';
  const status = query.get('status') ?? '';
  const prefix = query.get('prefix') ?? '';
  const from = query.get('from') ?? '';
  const to = query.get('to') ?? '';
  const sort = query.get('sort') === 'asc' ? 'asc' : 'desc';
  const limit = Number(query.get('limit') ?? 20);
  const [tokens, setTokens] = useState<string[]>([]);
  const token = tokens.at(-1);
  const filterKey = [fn, status, prefix, from, to, sort, limit].join('|');
  useEffect(() => setTokens([]), [filterKey]);

  const setFilter = (change: Record<string, string>) =>
    navigate('tasks', {
      fn,
      status,
      prefix,
      from,
      to,
      sort: sort === 'asc' ? 'asc' : undefined,
      limit: limit === 20 ? undefined : String(limit),
      ...change,
    });

  const functions = useAsync(
    () => get<{ functions: FunctionInfo[] }>(`${API}/functions`, { limit: 100 }),
    [],
  );
  const filter: TableFilter = {
    sortOrder: sort,
    firstPage: token === undefined,
    ...(fn ? { functionName: fn } : {}),
    ...(status ? { status } : {}),
    ...(prefix ? { prefix } : {}),
    ...(toMs(from) !== undefined ? { startedTimeBegin: toMs(from) } : {}),
    ...(toMs(to) !== undefined ? { startedTimeEnd: toMs(to) } : {}),
  };
  const page = useAsync(async () => {
    const res = await get<{ tasks: AsyncTask[]; nextToken?: string }>(`${API}/async-tasks`, {
      functionName: fn || undefined,
      status: status || undefined,
      prefix: prefix || undefined,
      startedTimeBegin: filter.startedTimeBegin,
      startedTimeEnd: filter.startedTimeEnd,
      sortOrderByTime: sort,
      limit,
      nextToken: token,
    });
    return { rows: res.tasks.map(rowOf), nextToken: res.nextToken };
  }, [filterKey, token]);
  const counts = useAsync(
    () =>
      get<{ counts: Record<string, number> }>(`${API}/async-task-counts`, { functionName: fn || undefined }),
    [fn],
  );
  // Counts are one aggregate over the tenant's tasks: re-read at most every COUNTS_EVERY_MS while changes come.
  const countsDue = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(countsDue.current), []);
  const live = useLiveChanges(
    fn,
    (changes) => {
      page.update((data) => ({ ...data, rows: applyChanges(data.rows, changes, filter, limit) }));
      countsDue.current ??= setTimeout(() => {
        countsDue.current = undefined;
        counts.reload();
      }, COUNTS_EVERY_MS);
    },
    // What changed before the feed opened (or while it reconnected) is read again.
    () => {
      page.reload();
      counts.reload();
    },
  );

  return (
    <section aria-labelledby="tasks-title">
      <div class="title-row">
        <h1 id="tasks-title">Tasks</h1>
        <span class={`live live-${live}`} role="status">
          {live === 'open'
            ? '● Live'
            : live === 'connecting'
              ? '○ Connecting…'
              : '○ Live updates lost, retrying'}
        </span>
      </div>
      <form class="filters" aria-label="Filter tasks" onSubmit={(e) => e.preventDefault()}>
        <label>
          Function
          <select aria-label="Function" value={fn} onChange={(e) => setFilter({ fn: e.currentTarget.value })}>
            <option value="">All functions</option>
            {(functions.data?.functions ?? []).map((f) => (
              <option key={f.functionName} value={f.functionName}>
                {f.functionName}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select
            aria-label="Status"
            value={status}
            onChange={(e) => setFilter({ status: e.currentTarget.value })}
          >
            <option value="">Any status</option>
            {ALL_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Task ID prefix
          <input
            value={prefix}
            placeholder="e.g. order-"
            onChange={(e) => setFilter({ prefix: e.currentTarget.value.trim() })}
          />
        </label>
        <label>
          Started from
          <input
            type="datetime-local"
            value={from}
            onChange={(e) => setFilter({ from: e.currentTarget.value })}
          />
        </label>
        <label>
          Started until
          <input
            type="datetime-local"
            value={to}
            onChange={(e) => setFilter({ to: e.currentTarget.value })}
          />
        </label>
        <label>
          Sort
          <select aria-label="Sort" value={sort} onChange={(e) => setFilter({ sort: e.currentTarget.value })}>
            <option value="desc">Newest first</option>
            <option value="asc">Oldest first</option>
          </select>
        </label>
        <label>
          Per page
          <select
            aria-label="Per page"
            value={String(limit)}
            onChange={(e) => setFilter({ limit: e.currentTarget.value })}
          >
            {[10, 20, 50, 100].map((n) => (
              <option key={n} value={String(n)}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </form>
      <StatusCounts
        counts={counts.data?.counts}
        selected={status}
        onSelect={(s) => setFilter({ status: s })}
      />
      <BulkActions
        key={filterKey}
        filter={{
          ...(fn ? { functionName: fn } : {}),
          ...(status ? { status } : {}),
          ...(prefix ? { prefix } : {}),
          ...(filter.startedTimeBegin !== undefined ? { startedTimeBegin: filter.startedTimeBegin } : {}),
          ...(filter.startedTimeEnd !== undefined ? { startedTimeEnd: filter.startedTimeEnd } : {}),
        }}
        onDone={() => {
          page.reload();
          counts.reload();
        }}
      />
      <ErrorBox error={page.error} />
      {page.loading && !page.data ? <Loading what="Loading tasks" /> : null}
      {page.data && page.data.rows.length === 0 ? (
        <Empty>
          No tasks {fn || status || prefix || from || to ? 'match these filters' : 'yet'}. Invoke a function
          from the <a href="#/functions">Functions</a> page; new tasks appear here as they are submitted.
        </Empty>
      ) : null}
      {page.data && page.data.rows.length > 0 ? <TaskTable rows={page.data.rows} showFunction={!fn} /> : null}
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={tokens.length === 0} onClick={() => setTokens(tokens.slice(0, -1))}>
          Previous page
        </button>
        <button
          type="button"
          disabled={!page.data?.nextToken}
          onClick={() => page.data?.nextToken && setTokens([...tokens, page.data.nextToken])}
        >
          Next page
        </button>
        <button type="button" onClick={page.reload}>
          Refresh
        </button>
      </nav>
    </section>
  );
}

function StatusCounts(props: {
  counts: Record<string, number> | undefined;
  selected: string;
  onSelect: (s: string) => void;
}) {
  if (!props.counts) return null;
  return (
    <ul class="counts" aria-label="Tasks per status">
      {ALL_STATUSES.map((s) => (
        <li key={s}>
          <button
            type="button"
            aria-pressed={props.selected === s}
            aria-label={`${s}: ${props.counts![s] ?? 0} tasks; show only ${s}`}
            onClick={() => props.onSelect(props.selected === s ? '' : s)}
          >
            <StatusBadge status={s} /> <span class="count">{props.counts![s] ?? 0}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}

export function TaskTable({ rows, showFunction }: { rows: TaskRow[]; showFunction: boolean }) {
  return (
    <div class="table-wrap">
      <table class="tasks">
        <thead>
          <tr>
            <th scope="col">Task ID</th>
            {showFunction ? <th scope="col">Function</th> : null}
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">Attempts</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.functionName}/${r.taskId}`} data-task-id={r.taskId}>
              <td>
                <a href={taskHref(r.functionName, r.taskId)} class="mono">
                  {r.taskId}
                </a>
                {r.rerunOf ? <span class="muted small"> (re-run of {r.rerunOf})</span> : null}
              </td>
              {showFunction ? (
                <td>
                  <a href={`#/functions/${encodeURIComponent(r.functionName)}`}>{r.functionName}</a>
                </td>
              ) : null}
              <td>
                <StatusBadge status={r.status} />
              </td>
              <td>{formatTime(r.startedTime)}</td>
              <td>{formatDuration(r.endTime !== undefined ? r.endTime - r.startedTime : undefined)}</td>
              <td>{r.invokeCount ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The live feed (Server-Sent Events): changes go to `onChanges`; EventSource reconnects by itself. */
/**
 * Subscribes to the live task feed. `onOpen` runs each time the stream (re)opens: whatever changed
 * between the page's first read and the subscription (or during a reconnect) is read again then.
 */
export function useLiveChanges(fn: string, onChanges: (changes: TaskChange[]) => void, onOpen?: () => void) {
  const [state, setState] = useState<'connecting' | 'open' | 'lost'>('connecting');
  const handler = useRef(onChanges);
  handler.current = onChanges;
  const opened = useRef(onOpen);
  opened.current = onOpen;
  useEffect(() => {
    const url = `${API}/async-task-events${fn ? `?functionName=${encodeURIComponent(fn)}` : ''}`;
    const source = new EventSource(url);
    setState('connecting');
    source.addEventListener('open', () => {
      setState('open');
      opened.current?.();
    });
    source.addEventListener('error', () =>
      setState(source.readyState === EventSource.CLOSED ? 'lost' : 'connecting'),
    );
    source.addEventListener('changes', (e) => handler.current(JSON.parse((e as MessageEvent<string>).data)));
    return () => source.close();
  }, [fn]);
  return state;
}
