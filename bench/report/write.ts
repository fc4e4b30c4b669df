import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderMarkdown } from './markdown.js';
import { renderSvg } from './svg.js';
import type { BenchResults } from './types.js';

/** latest.json, latest.md, latency-vs-load.svg in the results folder; a timestamped JSON in raw/. */
export function writeResults(outDir: string, results: BenchResults): string[] {
  mkdirSync(join(outDir, 'raw'), { recursive: true });
  const stamp = results.meta.startedAt.replace(/[:.]/g, '-');
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const files = {
    json: join(outDir, 'latest.json'),
    raw: join(outDir, 'raw', `${stamp}${results.meta.quick ? '-quick' : ''}.json`),
    md: join(outDir, 'latest.md'),
    svg: join(outDir, 'latency-vs-load.svg'),
  };
  writeFileSync(files.json, json);
  writeFileSync(files.raw, json);
  writeFileSync(files.md, renderMarkdown(results));
  const when = results.meta.startedAt.slice(0, 16).replace('T', ' ');
  writeFileSync(
    files.svg,
    renderSvg(
      results.summary.curves,
      `Latency vs offered load — ${when} UTC, ${results.meta.runsCompleted} run(s)${results.meta.quick ? ', quick' : ''}`,
    ),
  );
  return Object.values(files);
}
