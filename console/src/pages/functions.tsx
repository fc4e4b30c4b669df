import { useState } from 'preact/hooks';
import { API, fnPath, get, json, request } from '../api.js';
import { Empty, ErrorBox, Loading, useAsync } from '../components/common.js';
import { EXAMPLES, bytesToBase64, exampleZip } from '../lib/examples.js';
import type { FunctionInfo } from '../lib/types.js';
import { navigate } from '../router.js';

/** The tenant's functions: list, create (from a zip or a built-in example), delete. */
export function FunctionsPage() {
  const list = useAsync(() => get<{ functions: FunctionInfo[] }>(`${API}/functions`, { limit: 100 }), []);
  const [deleting, setDeleting] = useState<string>();
  const [error, setError] = useState<unknown>();
  return (
    <section aria-labelledby="functions-title">
      <h1 id="functions-title">Functions</h1>
      <CreateFunction onCreated={(name) => navigate(`functions/${encodeURIComponent(name)}`)} />
      <h2>Your functions</h2>
      <ErrorBox error={list.error ?? error} />
      {list.loading && !list.data ? <Loading what="Loading functions" /> : null}
      {list.data && list.data.functions.length === 0 ? (
        <Empty>No functions yet: create one above, from a zip or a built-in example.</Empty>
      ) : null}
      {list.data && list.data.functions.length > 0 ? (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Runtime</th>
                <th scope="col">Timeout</th>
                <th scope="col">Memory</th>
                <th scope="col">Modified</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.data.functions.map((f) => (
                <tr key={f.functionName}>
                  <td>
                    <a href={`#/functions/${encodeURIComponent(f.functionName)}`}>{f.functionName}</a>
                  </td>
                  <td>{f.runtime}</td>
                  <td>{f.timeout ?? '—'} s</td>
                  <td>{f.memorySize ?? '—'} MB</td>
                  <td>{f.lastModifiedTime ?? '—'}</td>
                  <td>
                    <a href={`#/tasks?fn=${encodeURIComponent(f.functionName)}`}>Tasks</a>{' '}
                    {deleting === f.functionName ? (
                      <span role="group" aria-label={`Confirm deleting ${f.functionName}`}>
                        <button
                          type="button"
                          class="danger"
                          onClick={async () => {
                            try {
                              await request('DELETE', fnPath(f.functionName));
                              setDeleting(undefined);
                              list.reload();
                            } catch (err) {
                              setError(err);
                            }
                          }}
                        >
                          {`Delete ${f.functionName}`}
                        </button>
                        <button type="button" onClick={() => setDeleting(undefined)}>
                          Cancel
                        </button>
                      </span>
                    ) : (
                      <button
                        type="button"
                        aria-label={`Delete ${f.functionName}…`}
                        onClick={() => setDeleting(f.functionName)}
                      >
                        Delete…
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function CreateFunction({ onCreated }: { onCreated: (name: string) => void }) {
  const [source, setSource] = useState<'example' | 'zip'>('example');
  const [example, setExample] = useState(EXAMPLES[0]!.name);
  const [name, setName] = useState('');
  const [runtime, setRuntime] = useState('nodejs20');
  const [handler, setHandler] = useState('index.handler');
  const [command, setCommand] = useState('');
  const [file, setFile] = useState<File>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const chosen = EXAMPLES.find((e) => e.name === example)!;

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const functionName = name.trim() || (source === 'example' ? example : '');
      let body: Record<string, unknown>;
      if (source === 'example') {
        body = { functionName, ...chosen.config, code: { zipFile: exampleZip(example) } };
      } else {
        if (!file) throw new Error('choose a zip file');
        const zipFile = bytesToBase64(new Uint8Array(await file.arrayBuffer()));
        body = {
          functionName,
          runtime,
          ...(runtime.startsWith('custom')
            ? { customRuntimeConfig: { command: command.split(' ').filter(Boolean) } }
            : { handler }),
          code: { zipFile },
        };
      }
      await json('POST', `${API}/functions`, { body });
      onCreated(functionName);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card" aria-labelledby="create-title" onSubmit={submit}>
      <h2 id="create-title">Create a function</h2>
      <fieldset>
        <legend>Code</legend>
        <label class="inline">
          <input
            type="radio"
            name="source"
            checked={source === 'example'}
            onChange={() => setSource('example')}
          />
          Built-in example
        </label>
        <label class="inline">
          <input type="radio" name="source" checked={source === 'zip'} onChange={() => setSource('zip')} />
          Upload a zip
        </label>
      </fieldset>
      {source === 'example' ? (
        <label>
          Example
          <select aria-label="Example" value={example} onChange={(e) => setExample(e.currentTarget.value)}>
            {EXAMPLES.map((x) => (
              <option key={x.name} value={x.name}>
                {x.name} — {x.description}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <>
          <label>
            Zip file
            <input
              type="file"
              accept=".zip,application/zip"
              onChange={(e) => setFile(e.currentTarget.files?.[0])}
            />
          </label>
          <label>
            Runtime
            <select aria-label="Runtime" value={runtime} onChange={(e) => setRuntime(e.currentTarget.value)}>
              {['nodejs20', 'nodejs18', 'nodejs22', 'custom.debian12'].map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
          {runtime.startsWith('custom') ? (
            <label>
              Command (serves HTTP on $FC_SERVER_PORT)
              <input
                value={command}
                placeholder="python3 server.py"
                onInput={(e) => setCommand(e.currentTarget.value)}
              />
            </label>
          ) : (
            <label>
              Handler
              <input value={handler} onInput={(e) => setHandler(e.currentTarget.value)} />
            </label>
          )}
        </>
      )}
      <label>
        Function name
        <input
          value={name}
          placeholder={source === 'example' ? example : 'my-function'}
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </label>
      <button type="submit" disabled={busy}>
        Create function
      </button>
      <ErrorBox error={error} />
    </form>
  );
}
