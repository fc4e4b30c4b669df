/**
 * Reading the services' Prometheus text exposition, hand-written: the format's sample lines are
 * simple (`name{label="value",...} value [timestamp]`) and the one parser on npm is unmaintained.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** From the `# TYPE` line of its family (histogram samples: the family's type). */
  type: string;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const unescape = (v: string) => v.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));

export function parsePrometheusText(text: string): Sample[] {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , family, type] = line.split(/\s+/);
      if (family && type) types.set(family, type);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (Number.isNaN(value)) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = unescape(l[2]!);
    const name = m[1]!;
    const family = name.replace(/_(bucket|sum|count)$/, '');
    samples.push({ name, labels, value, type: types.get(name) ?? types.get(family) ?? 'untyped' });
  }
  return samples;
}

/**
 * One tenant's asyncfn samples from several processes, merged: counters and histograms add up
 * across replicas; queue depth, which the dispatchers and the status service each report for the
 * same stream, is the largest report; other gauges add up. The tenant label is dropped.
 */
export function tenantSamples(sources: Sample[][], tenant: string): Sample[] {
  const merged = new Map<string, Sample>();
  for (const samples of sources) {
    for (const s of samples) {
      if (!s.name.startsWith('asyncfn_') || s.labels.tenant !== tenant) continue;
      const { tenant: _t, ...labels } = s.labels;
      const key = `${s.name}${JSON.stringify(Object.entries(labels).sort())}`;
      const seen = merged.get(key);
      if (!seen) merged.set(key, { ...s, labels });
      else if (s.name === 'asyncfn_queue_depth') seen.value = Math.max(seen.value, s.value);
      else seen.value += s.value;
    }
  }
  return [...merged.values()];
}
