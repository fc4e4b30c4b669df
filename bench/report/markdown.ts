import type { Spread } from '../lib/stats.js';
import { num, spreadText as spreadTextOf } from './format.js';
import type { BenchResults, CurvePoint } from './types.js';

/*
 * bench/results/latest.md: the headline table (asyncfn beside its peers, with ratios computed
 * within each run), latency per offered load, task mode off, retries, correctness, CPU and
 * memory per process, and what limited throughput. One section per function, in the order the
 * report prints them; the file is that order (a little over ~300 lines).
 */

const PEERS = ['jetstream', 'bullmq', 'pgboss'] as const;
const LABEL: Record<string, string> = {
  asyncfn: 'asyncfn',
  'asyncfn-taskoff': 'asyncfn task mode off',
  jetstream: 'raw JetStream',
  bullmq: 'BullMQ + Redis',
  pgboss: 'pg-boss + PostgreSQL',
};

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(head: string[], rows: string[][]): string {
  return [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
}

export function renderMarkdown(r: BenchResults): string {
  const { figures: f, ratios } = r.summary;
  const spreadText = (s: Spread | undefined, suffix = '') => spreadTextOf(s, suffix, r.meta.runsCompleted);
  const o = r.meta.options as { clients?: number; instanceConcurrency?: number; payloadBytes?: number };
  const lines: string[] = [];
  const runsText =
    r.meta.runsCompleted === 1
      ? '**1 run only** (figures are single values, not medians)'
      : `median (min–max) of ${r.meta.runsCompleted} runs`;
  lines.push(
    `# asyncfn bench — ${r.meta.startedAt.slice(0, 16).replace('T', ' ')} UTC${r.meta.quick ? ' (quick)' : ''}`,
  );
  lines.push('');
  lines.push(
    `${runsText}; ratios are computed inside each run, then their median. ` +
      `${r.meta.machine.cpus} cores, ${r.meta.machine.memoryGiB} GiB, Node ${r.meta.machine.node}; ` +
      `everything (servers, five services, peers, load generator) on this one machine. ` +
      `Payload ${o.payloadBytes ?? 256} B, ${o.clients ?? '?'} concurrent clients, concurrency ${o.instanceConcurrency ?? '?'} per consumer. ` +
      `asyncfn's task store: ${r.meta.taskStore ?? 'mongodb'} (ASYNCFN_TASK_STORE). ` +
      `Took ${Math.round(r.meta.seconds)} s.`,
  );
  for (const n of r.meta.note) lines.push(`\n> ${n}`);
  lines.push('');

  const fig = (sys: string, key: string) => f[`${sys}.${key}`];
  const ratioOf = (key: string, peer: string) => ratios[`${key}:asyncfn÷${peer}`];
  const headline: Array<[string, string]> = [
    ['submit: accepted/s (closed loop)', 'submit.perSec'],
    ['submit: accept latency p50 ms', 'submit.acceptP50'],
    ['submit: accept latency p99 ms', 'submit.acceptP99'],
    ['submit, the API alone²: accepted/s', 'submitAlone.perSec'],
    ['submit, the API alone²: accept latency p99 ms', 'submitAlone.acceptP99'],
    ['end-to-end: max completed/s over the steps¹', 'maxCompletedPerSec'],
    ['end-to-end: highest offered load kept up with (/s)¹', 'maxSustainedRate'],
    ['backlog drain: completed/s', 'drain.perSec'],
    ['backlog drain: tasks not completed within the wait', 'drain.missing'],
  ];
  const rates = [
    ...new Set(
      Object.keys(f)
        .filter((k) => k.startsWith('asyncfn.latencyP50@'))
        .map((k) => Number(k.split('@')[1])),
    ),
  ].sort((a, b) => a - b);
  for (const rate of rates) {
    headline.push([`submit→done latency p50 ms at ${rate}/s`, `latencyP50@${rate}`]);
    headline.push([`submit→done latency p99 ms at ${rate}/s`, `latencyP99@${rate}`]);
  }
  lines.push('## asyncfn and its peers');
  lines.push('');
  lines.push(
    table(
      ['figure', 'asyncfn', ...PEERS.map((p) => LABEL[p]!), ...PEERS.map((p) => `asyncfn ÷ ${LABEL[p]}`)],
      headline.map(([label, key]) => [
        label,
        key === 'maxSustainedRate' && fig('asyncfn', key)?.median === 0
          ? `< ${rates[0] ?? '?'} (saturated at the first step)`
          : spreadText(fig('asyncfn', key)),
        ...PEERS.map((p) => spreadText(fig(p, key))),
        ...PEERS.map((p) => spreadText(ratioOf(key, p), '×')),
      ]),
    ),
  );
  lines.push('');
  lines.push(
    '¹ Every system is stepped (doubling) until it saturates, up to `--max-rate`: each maximum is its own capacity, unless it kept up with the highest step. ' +
      'asyncfn completion = the task document reached Succeeded in the read model (latency to its `endTime`); ' +
      'JetStream = message acked by the consumer; BullMQ = job `completed`; pg-boss = its `complete` of the batch returned. Backlog: tasks submitted with the ' +
      'consumers stopped, rate from the first completion after they start to the last (asyncfn: to every task recorded, the run ' +
      'queue empty and the status service caught up). A step is saturated when its queue grew, work was lost or refused, or ' +
      'not everything was run and recorded a second after its load. ' +
      '² The same burst with the four services behind the ingress stopped: what the ingress and JetStream take in with ' +
      'the machine to themselves (in the submit row the same cores also run the tasks); the peers have nothing to stop.',
  );
  lines.push('');

  lines.push('## Latency against offered load (submit → done, ms)');
  lines.push('');
  const curve = (sys: string, source: string) => r.summary.curves[sys]?.[source] ?? [];
  const series: Array<[string, CurvePoint[]]> = [
    ['asyncfn (read model)', curve('asyncfn', 'readModel')],
    ['asyncfn (collector)', curve('asyncfn', 'collector')],
    ['task mode off (collector)', curve('asyncfn-taskoff', 'collector')],
    [LABEL.jetstream!, curve('jetstream', 'consumer')],
    [LABEL.bullmq!, curve('bullmq', 'consumer')],
    [LABEL.pgboss!, curve('pgboss', 'consumer')],
  ];
  const allRates = [...new Set(series.flatMap(([, pts]) => pts.map((p) => p.offeredPerSec)))].sort(
    (a, b) => a - b,
  );
  const cell = (pts: CurvePoint[], rate: number) => {
    const p = pts.find((x) => x.offeredPerSec === rate);
    if (!p) return '–';
    const sat = p.saturatedRuns > 0 ? ` ⚠${p.saturatedRuns}/${p.runs}` : '';
    return `${num(p.p50.median)} / ${num(p.p99.median)} · ${num(p.completedPerSec.median)}/s${sat}`;
  };
  lines.push(
    table(
      ['offered /s', ...series.map(([name]) => name)],
      allRates.map((rate) => [String(rate), ...series.map(([, pts]) => cell(pts, rate))]),
    ),
  );
  lines.push('');
  lines.push(
    'Cells: p50 / p99 ms · completed/s (medians over runs); ⚠k/n = saturated in k of n runs (fell behind the offered load, or lost or refused work). Plot: `latency-vs-load.svg`.',
  );
  lines.push('');
  lines.push('CPU per completed task, ms (median over runs, min–max):');
  lines.push('');
  const cpuSeries = series.filter(([name]) => name !== 'asyncfn (collector)');
  lines.push(
    table(
      [
        'offered /s',
        ...cpuSeries.map(([name]) => name.replace(' (read model)', '').replace(' (collector)', '')),
      ],
      allRates.map((rate) => [
        String(rate),
        ...cpuSeries.map(([, pts]) => spreadText(pts.find((x) => x.offeredPerSec === rate)?.cpuMsPerTask)),
      ]),
    ),
  );
  lines.push('');
  lines.push(
    "CPU of every measured process but the load generator's (servers, services, function instances, the peer's consumer and store; an idle system's own background included), over the step's offered load, per task completed in it: steadier than latency on a noisy machine, so rounds compare by it at a given load. It falls with load as more messages share each process wake-up. asyncfn's lowest step also carries the bench's live polling of its read model.",
  );
  lines.push('');
  const acceptRates = [
    ...new Set(
      Object.keys(f)
        .filter((k) => /\.acceptP50@/.test(k))
        .map((k) => Number(k.split('@')[1])),
    ),
  ].sort((a, b) => a - b);
  if (acceptRates.length > 0) {
    const systems = ['asyncfn', 'asyncfn-taskoff', 'jetstream', 'bullmq', 'pgboss'];
    lines.push('Accept latency during the steps (HTTP 202 / PubAck / `queue.add`), p50 / p99 ms:');
    lines.push('');
    lines.push(
      table(
        ['offered /s', ...systems.map((s) => LABEL[s]!)],
        acceptRates.map((rate) => [
          String(rate),
          ...systems.map((s) => {
            const p50 = f[`${s}.acceptP50@${rate}`];
            return p50 ? `${num(p50.median)} / ${num(f[`${s}.acceptP99@${rate}`]?.median)}` : '–';
          }),
        ]),
      ),
    );
    lines.push('');
  }
  const lag = rates
    .map(
      (rate) => [rate, f[`asyncfn.readModelLagP50@${rate}`], f[`asyncfn.readModelLagP99@${rate}`]] as const,
    )
    .filter(([, p50]) => p50 !== undefined);
  if (lag.length > 0 || f['asyncfn.drain.collectorPerSec']) {
    lines.push(
      'Read-model visibility: how long after the function finished (collector) a reader could see the task Succeeded (includes up to one 250 ms poll of the bench; measured at the lowest load only, since polling loads the database being measured):',
    );
    lines.push('');
    lines.push(
      table(
        ['offered /s', 'lag p50 ms', 'lag p99 ms'],
        lag.map(([rate, p50, p99]) => [String(rate), spreadText(p50), spreadText(p99)]),
      ),
    );
    if (f['asyncfn.drain.collectorPerSec']) {
      lines.push('');
      lines.push(
        `Backlog drain: the functions ran the tasks at ${spreadText(f['asyncfn.drain.collectorPerSec'])}/s (collector); counted until every task was recorded Succeeded in the read model, ${spreadText(f['asyncfn.drain.perSec'])}/s.`,
      );
    }
    lines.push('');
  }

  lines.push('## Task mode off (asyncTask=false) against on');
  lines.push('');
  const docs = r.runs.map((x) => x.taskOff?.docsFound).filter((d) => d !== undefined);
  const tracked = docs.some((d) => d > 0);
  lines.push(
    tracked
      ? `Task mode off **still tracks tasks** in this build (${docs.join(', ')} task documents found for the untracked function), so this compares tracking with tracking.`
      : `No task documents were written for the untracked function (${docs.join(', ') || 'n/a'}): task mode off is untracked.`,
  );
  lines.push('');
  const offRatios = Object.entries(ratios).filter(([k]) => k.endsWith('taskoff÷tracked'));
  if (offRatios.length > 0) {
    lines.push(
      table(
        ['figure (both observed by the collector)', 'off ÷ on'],
        offRatios.map(([k, v]) => [k.replace(':taskoff÷tracked', ''), spreadText(v, '×')]),
      ),
    );
    lines.push('');
  }

  if (f['asyncfn.retries.perSec']) {
    lines.push('## Retries (10 % of tasks fail their first attempt, retried after ~50 ms)');
    lines.push('');
    lines.push(
      table(
        ['offered /s', 'completed/s', 'p50 ms', 'p99 ms', 'retried / planned'],
        [
          [
            spreadText(f['asyncfn.retries.offered']),
            spreadText(f['asyncfn.retries.perSec']),
            spreadText(f['asyncfn.retries.latencyP50']),
            spreadText(f['asyncfn.retries.latencyP99']),
            `${spreadText(f['asyncfn.retries.retried'])} / ${spreadText(f['asyncfn.retries.planned'])}`,
          ],
        ],
      ),
    );
    lines.push('');
  }

  lines.push('## Correctness: every accepted task reached exactly one terminal state');
  lines.push('');
  const corr = r.correctness?.byFunction ?? {};
  if (Object.keys(corr).length === 0) lines.push('Not checked (asyncfn not run).');
  else {
    lines.push(
      table(
        ['function', 'accepted (202)', 'documents by status', 'missing docs', '>1 terminal event', 'verdict'],
        Object.entries(corr).map(([fn, c]) => [
          fn,
          String(c.accepted),
          Object.entries(c.byStatus)
            .map(([s, n]) => `${s} ${n}`)
            .join(', ') || '–',
          String(c.missingDocs),
          String(c.multipleTerminal),
          c.verdict === 'ok'
            ? 'ok'
            : c.verdict === 'incomplete'
              ? `incomplete: ${c.nonTerminal} not terminal yet when checked`
              : '**VIOLATED**',
        ]),
      ),
    );
    lines.push('');
    lines.push(
      'Counted in the read model at the end of the bench, after a bounded wait. "incomplete" means nothing was lost or doubled, but the status projection had not caught up when the check stopped waiting.',
    );
  }
  lines.push('');

  lines.push(...opsSection(f));

  lines.push('## CPU (cores) and peak RSS (MB) per process');
  lines.push('');
  const res = r.summary.resources;
  const topStep = (sys: string) =>
    Object.keys(res)
      .filter((k) => k.startsWith(`${sys}.step@`))
      .sort((a, b) => Number(b.split('@')[1]) - Number(a.split('@')[1]))[0];
  const phases = [
    'asyncfn.submit',
    'asyncfn.submitAlone',
    topStep('asyncfn'),
    'asyncfn.drain',
    topStep('asyncfn-taskoff'),
    'jetstream.submit',
    topStep('jetstream'),
    'bullmq.submit',
    topStep('bullmq'),
    'pgboss.submit',
    topStep('pgboss'),
  ].filter((p): p is string => p !== undefined && res[p] !== undefined);
  const procs = [...new Set(phases.flatMap((p) => Object.keys(res[p]!.processes)))];
  const groupOf = (name: string) => phases.map((p) => res[p]!.processes[name]?.group).find(Boolean) ?? '';
  procs.sort((a, b) => groupOf(a).localeCompare(groupOf(b)) || a.localeCompare(b));
  const cpuRss = (cpu: Spread | undefined, rss: Spread | undefined) =>
    cpu ? `${num(cpu.median)} · ${num(rss?.max)}` : '–';
  lines.push(
    table(
      ['process', 'group', ...phases],
      [
        ...procs.map((name) => [
          name,
          groupOf(name),
          ...phases.map((p) => cpuRss(res[p]!.processes[name]?.cpuCores, res[p]!.processes[name]?.peakRssMb)),
        ]),
        ['*others (outside the bench)*', '', ...phases.map((p) => `${num(res[p]!.othersCores.median)}`)],
        ['**machine busy**', '', ...phases.map((p) => `${num(res[p]!.machineBusyCores.median)} cores`)],
      ],
    ),
  );
  lines.push('');
  lines.push(
    'Cells: median CPU in cores over the phase (submit and steps: over the offered load, not the read-back) · highest peak RSS in MB over the runs. `fn-instances` = the function processes under the executor; `bench` = the load generator (HTTP client, publishers).',
  );
  lines.push('');

  lines.push('## What limited throughput');
  lines.push('');
  const drainExec = f['asyncfn.drain.collectorPerSec']?.median;
  const drainRead = f['asyncfn.drain.perSec']?.median;
  if (drainExec && drainRead && drainExec > 1.2 * drainRead) {
    lines.push(
      `- **read model behind execution**: in the backlog drain the functions finished at ${num(drainExec)}/s but tasks turned Succeeded in the read model at ${num(drainRead)}/s: the status service's projection (and its database) is the slower path.`,
    );
  }
  const closedP50 = f['asyncfn.submit.acceptP50']?.median;
  const openP50 = f[`asyncfn.acceptP50@${rates[0]}`]?.median;
  if (closedP50 && openP50) {
    lines.push(
      `- **accepting under concurrency**: ${o.clients ?? '?'} clients back to back got 202s in ${num(closedP50)} ms (p50) at ${num(f['asyncfn.submit.perSec']?.median)}/s; at ${rates[0]}/s open loop a 202 took ${num(openP50)} ms.`,
    );
  }
  for (const l of r.summary.limits) {
    lines.push(
      `- **${l.phase}** (machine ${num(l.machineBusyCores)} cores busy): ${l.note}. Busiest: ${l.top.map((t) => `${t.process} ${num(t.cpuCores)}`).join(', ')}.`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

/**
 * Operations per completed task, as the servers counted them (bench/lib/op-counters.ts): asyncfn's
 * at every step and in the drain, and pg-boss's PostgreSQL work beside them.
 */
function opsSection(f: Record<string, Spread>): string[] {
  const keys = Object.keys(f).filter((k) => /^(asyncfn|pgboss)\.ops\./.test(k));
  if (keys.length === 0) return [];
  const columnOf = (k: string) => k.split(/(@\d+|\.drain)$/)[1] ?? '';
  const counterOf = (k: string) => k.slice(0, k.length - columnOf(k).length);
  const columns = [...new Set(keys.map(columnOf))].sort((a, b) =>
    a === '.drain' ? 1 : b === '.drain' ? -1 : Number(a.slice(1)) - Number(b.slice(1)),
  );
  const counters = [...new Set(keys.map(counterOf))].sort();
  const head = columns.map((c) => (c === '.drain' ? 'backlog drain' : `${c.slice(1)}/s`));
  return [
    '## Operations per completed task',
    '',
    table(
      ['counter', ...head],
      counters.map((c) => [
        c.replace('.ops.', ' · '),
        ...columns.map((col) => (f[c + col] ? num(f[c + col]!.median) : '–')),
      ]),
    ),
    '',
    "Counted by the servers over each phase, divided by the tasks completed in it (median over runs). `nats.<service>.published/received`: messages the service's connection sent to / got from nats-server (JetStream publishes, acks, pulls, KV reads and writes, replies); `jetstream.apiRequests`: JetStream API requests, server-wide; `mongo.<command>`: commands FerretDB served, server-wide (the bench's reads of the read model included); `postgres.<db>.*`: PostgreSQL's transactions and row operations in FerretDB's database and in pg-boss's.",
    '',
  ];
}
