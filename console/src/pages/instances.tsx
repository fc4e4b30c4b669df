import { useEffect, useState } from 'preact/hooks';
import { fnPath, get } from '../api.js';
import { Empty, ErrorBox, Loading, formatTime, useAsync } from '../components/common.js';
import { TerminalPanel } from '../components/terminal.js';

interface InstanceView {
  instanceId: string;
  status: string;
  createdTimeMs: number;
  inFlight: number;
  invocations: number;
}

const REFRESH_MS = 5_000;

/** The function's instances (ListInstances), each live one with "Log on" (a terminal into it). */
export function Instances({ name }: { name: string }) {
  const list = useAsync(
    () => get<{ instances: InstanceView[] }>(`${fnPath(name)}/instances`).then((r) => r.instances),
    [name],
  );
  const [open, setOpen] = useState<string>();
  // Instances come and go with the work: the list refreshes while the page is open.
  useEffect(() => {
    const timer = setInterval(list.reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [list.reload]);
  const live = (list.data ?? []).filter((i) => i.status !== 'destroyed');
  return (
    <section class="card" aria-labelledby="instances-title">
      <div class="title-row">
        <h2 id="instances-title">Instances</h2>
        <button type="button" onClick={list.reload}>
          Refresh instances
        </button>
      </div>
      {list.error ? <ErrorBox error={list.error} /> : null}
      {!list.data && !list.error ? <Loading what="Loading the instances" /> : null}
      {list.data && live.length === 0 ? (
        <Empty>No running instance: invoke the function to start one.</Empty>
      ) : null}
      {live.length > 0 ? (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Instance</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">In flight</th>
                <th scope="col">Invocations</th>
                <th scope="col">Terminal</th>
              </tr>
            </thead>
            <tbody>
              {live.map((i) => (
                <tr key={i.instanceId}>
                  <td class="mono">{i.instanceId}</td>
                  <td>{i.status}</td>
                  <td>{formatTime(i.createdTimeMs)}</td>
                  <td>{i.inFlight}</td>
                  <td>{i.invocations}</td>
                  <td>
                    <button
                      type="button"
                      aria-label={`Log on to instance ${i.instanceId}`}
                      disabled={open === i.instanceId}
                      onClick={() => setOpen(i.instanceId)}
                    >
                      Log on
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {open ? (
        <TerminalPanel key={open} fn={name} instanceId={open} onClose={() => setOpen(undefined)} />
      ) : null}
    </section>
  );
}
