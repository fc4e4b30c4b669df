import { useEffect, useState } from 'preact/hooks';
import { fnPath, json, request } from '../api.js';
import { ErrorBox, Loading, taskHref, useAsync } from '../components/common.js';
import type { AsyncConfig, FunctionInfo } from '../lib/types.js';
import { Instances } from './instances.js';

/** One function: invoke it, edit its config and its async config. */
export function FunctionPage({ name }: { name: string }) {
  const fn = useAsync(() => json<FunctionInfo>('GET', fnPath(name)), [name]);
  if (fn.error) return <ErrorBox error={fn.error} />;
  if (!fn.data) return <Loading what="Loading the function" />;
  return (
    <article aria-labelledby="fn-title">
      <p class="crumbs">
        <a href="#/functions">Functions</a> ›
      </p>
      <div class="title-row">
        <h1 id="fn-title">{name}</h1>
        <span class="muted">{fn.data.runtime}</span>
        <a href={`#/tasks?fn=${encodeURIComponent(name)}`}>Tasks of {name}</a>
      </div>
      <Invoke name={name} />
      <Instances name={name} />
      <div class="two">
        <ConfigForm fn={fn.data} onSaved={fn.set} />
        <AsyncConfigForm name={name} />
      </div>
    </article>
  );
}

function Invoke({ name }: { name: string }) {
  const [type, setType] = useState<'Async' | 'Sync'>('Async');
  const [payload, setPayload] = useState('{"hello": "world"}');
  const [taskId, setTaskId] = useState('');
  const [delay, setDelay] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [result, setResult] = useState<{ taskId?: string; body?: string; status: number }>();
  return (
    <form
      class="card"
      aria-labelledby="invoke-title"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        setResult(undefined);
        try {
          const headers: Record<string, string> = {
            'x-fc-invocation-type': type,
            'content-type': 'application/octet-stream',
          };
          if (type === 'Async' && taskId.trim()) headers['x-fc-async-task-id'] = taskId.trim();
          if (type === 'Async' && delay.trim()) headers['x-fc-async-delay'] = delay.trim();
          const res = await request('POST', `${fnPath(name)}/invocations`, { body: payload, headers });
          const id = res.headers.get('x-fc-async-task-id') ?? undefined;
          setResult({
            status: res.status,
            ...(id ? { taskId: id } : {}),
            ...(type === 'Sync' ? { body: await res.text() } : {}),
          });
          if (type === 'Async') setTaskId('');
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2 id="invoke-title">Invoke</h2>
      <fieldset>
        <legend>Invocation type</legend>
        <label class="inline">
          <input type="radio" name="type" checked={type === 'Async'} onChange={() => setType('Async')} />
          Async (a task)
        </label>
        <label class="inline">
          <input type="radio" name="type" checked={type === 'Sync'} onChange={() => setType('Sync')} />
          Sync (wait for the result)
        </label>
      </fieldset>
      <label>
        Payload
        <textarea
          aria-label="Payload"
          rows={5}
          class="mono"
          value={payload}
          onInput={(e) => setPayload(e.currentTarget.value)}
        />
      </label>
      {type === 'Async' ? (
        <div class="row">
          <label>
            Task ID (optional)
            <input value={taskId} placeholder="generated" onInput={(e) => setTaskId(e.currentTarget.value)} />
          </label>
          <label>
            Delay, seconds (optional)
            <input type="number" min="0" value={delay} onInput={(e) => setDelay(e.currentTarget.value)} />
          </label>
        </div>
      ) : null}
      <button type="submit" disabled={busy}>
        Invoke
      </button>
      <ErrorBox error={error} />
      {result ? (
        <div role="status" class="result">
          {result.taskId && type === 'Async' ? (
            <p>
              Accepted ({result.status}): task <a href={taskHref(name, result.taskId)}>{result.taskId}</a>
            </p>
          ) : (
            <>
              <p>Result ({result.status}):</p>
              <pre class="box">{result.body}</pre>
            </>
          )}
        </div>
      ) : null}
    </form>
  );
}

const envToText = (env: Record<string, string> | undefined) =>
  Object.entries(env ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
const textToEnv = (text: string) =>
  Object.fromEntries(
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => [
        l.slice(0, l.indexOf('=') < 0 ? l.length : l.indexOf('=')),
        l.includes('=') ? l.slice(l.indexOf('=') + 1) : '',
      ]),
  );

function ConfigForm({ fn, onSaved }: { fn: FunctionInfo; onSaved: (f: FunctionInfo) => void }) {
  const [timeout, setTimeoutS] = useState(String(fn.timeout ?? ''));
  const [memory, setMemory] = useState(String(fn.memorySize ?? ''));
  const [concurrency, setConcurrency] = useState(String(fn.instanceConcurrency ?? ''));
  const [env, setEnv] = useState(envToText(fn.environmentVariables));
  const [description, setDescription] = useState(fn.description ?? '');
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const num = (v: string) => (v.trim() === '' ? undefined : Number(v));
  return (
    <form
      class="card"
      aria-labelledby="config-title"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(undefined);
        setSaved(false);
        try {
          const body = {
            timeout: num(timeout),
            memorySize: num(memory),
            instanceConcurrency: num(concurrency),
            environmentVariables: textToEnv(env),
            description,
          };
          onSaved(
            await json<FunctionInfo>('PUT', fnPath(fn.functionName), {
              body: JSON.parse(JSON.stringify(body)),
            }),
          );
          setSaved(true);
        } catch (err) {
          setError(err);
        }
      }}
    >
      <h2 id="config-title">Configuration</h2>
      <label>
        Timeout, seconds
        <input type="number" min="1" value={timeout} onInput={(e) => setTimeoutS(e.currentTarget.value)} />
      </label>
      <label>
        Memory, MB
        <input type="number" min="64" value={memory} onInput={(e) => setMemory(e.currentTarget.value)} />
      </label>
      <label>
        Instance concurrency
        <input
          type="number"
          min="1"
          value={concurrency}
          onInput={(e) => setConcurrency(e.currentTarget.value)}
        />
      </label>
      <label>
        Environment variables (one KEY=value a line)
        <textarea
          aria-label="Environment variables (one KEY=value a line)"
          rows={4}
          class="mono"
          value={env}
          onInput={(e) => setEnv(e.currentTarget.value)}
        />
      </label>
      <label>
        Description
        <input value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </label>
      <button type="submit">Save configuration</button>
      {saved ? <p role="status">Saved.</p> : null}
      <ErrorBox error={error} />
    </form>
  );
}

function AsyncConfigForm({ name }: { name: string }) {
  const current = useAsync(async () => {
    try {
      return await json<AsyncConfig>('GET', `${fnPath(name)}/async-invoke-config`);
    } catch (err) {
      if ((err as { code?: string }).code === 'AsyncConfigNotExists') return {} as AsyncConfig;
      throw err;
    }
  }, [name]);
  const [retries, setRetries] = useState('');
  const [maxAge, setMaxAge] = useState('');
  const [taskMode, setTaskMode] = useState(true);
  const [onSuccess, setOnSuccess] = useState('');
  const [onFailure, setOnFailure] = useState('');
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    const c = current.data;
    if (!c) return;
    setRetries(c.maxAsyncRetryAttempts !== undefined ? String(c.maxAsyncRetryAttempts) : '');
    setMaxAge(c.maxAsyncEventAgeInSeconds !== undefined ? String(c.maxAsyncEventAgeInSeconds) : '');
    setTaskMode(c.asyncTask !== false);
    setOnSuccess(c.destinationConfig?.onSuccess?.destination ?? '');
    setOnFailure(c.destinationConfig?.onFailure?.destination ?? '');
  }, [current.data]);
  if (current.error) return <ErrorBox error={current.error} />;
  if (!current.data) return <Loading what="Loading the async config" />;
  return (
    <form
      class="card"
      aria-labelledby="async-title"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(undefined);
        setSaved(false);
        try {
          const destinationConfig = {
            ...(onSuccess.trim() ? { onSuccess: { destination: onSuccess.trim() } } : {}),
            ...(onFailure.trim() ? { onFailure: { destination: onFailure.trim() } } : {}),
          };
          const body = {
            ...(retries.trim() ? { maxAsyncRetryAttempts: Number(retries) } : {}),
            ...(maxAge.trim() ? { maxAsyncEventAgeInSeconds: Number(maxAge) } : {}),
            asyncTask: taskMode,
            ...(Object.keys(destinationConfig).length ? { destinationConfig } : {}),
          };
          current.set(await json<AsyncConfig>('PUT', `${fnPath(name)}/async-invoke-config`, { body }));
          setSaved(true);
        } catch (err) {
          setError(err);
        }
      }}
    >
      <h2 id="async-title">Async configuration</h2>
      <p class="muted small">
        Saving replaces the whole async config (FC's PutAsyncInvokeConfig): a field left empty goes back to
        its default.
      </p>
      <label>
        Max retry attempts (default 3)
        <input
          type="number"
          min="0"
          max="8"
          value={retries}
          onInput={(e) => setRetries(e.currentTarget.value)}
        />
      </label>
      <label>
        Max event age, seconds
        <input type="number" min="1" value={maxAge} onInput={(e) => setMaxAge(e.currentTarget.value)} />
      </label>
      <label class="inline">
        <input type="checkbox" checked={taskMode} onChange={(e) => setTaskMode(e.currentTarget.checked)} />
        Task mode (record each invocation as a task)
      </label>
      <label>
        On success, send the result to
        <input
          value={onSuccess}
          placeholder="nats:subject, kafka:topic, https://…, function:name"
          onInput={(e) => setOnSuccess(e.currentTarget.value)}
        />
      </label>
      <label>
        On failure, send the result to
        <input
          value={onFailure}
          placeholder="nats:subject, kafka:topic, https://…, function:name"
          onInput={(e) => setOnFailure(e.currentTarget.value)}
        />
      </label>
      <button type="submit">Save async configuration</button>
      {saved ? <p role="status">Saved.</p> : null}
      <ErrorBox error={error} />
    </form>
  );
}
