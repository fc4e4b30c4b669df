import type { CurvePoint, Summary } from './types.js';

/*
 * bench/results/latency-vs-load.svg, drawn by hand: submit→done latency (log scale) against
 * offered load (log2 scale) for asyncfn and its peers; p50 solid, p99 dashed, min–max over the
 * runs as whiskers.
 */

const W = 940;
const H = 540;
const M = { left: 70, right: 270, top: 40, bottom: 56 };

interface Series {
  label: string;
  color: string;
  points: CurvePoint[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderSvg(curves: Summary['curves'], title: string): string {
  const series: Series[] = [
    { label: 'asyncfn (read model)', color: '#d62728', points: curves.asyncfn?.readModel ?? [] },
    {
      label: 'asyncfn task mode off (collector)',
      color: '#ff7f0e',
      points: curves['asyncfn-taskoff']?.collector ?? [],
    },
    { label: 'raw JetStream', color: '#1f77b4', points: curves.jetstream?.consumer ?? [] },
    { label: 'BullMQ + Redis', color: '#2ca02c', points: curves.bullmq?.consumer ?? [] },
    { label: 'pg-boss + PostgreSQL', color: '#9467bd', points: curves.pgboss?.consumer ?? [] },
  ].filter((s) => s.points.length > 0);
  const all = series.flatMap((s) => s.points);
  const rates = all.map((p) => p.offeredPerSec);
  const lats = all
    .flatMap((p) => [p.p50.min, p.p99.max, p.p50.median, p.p99.median])
    .filter((v) => v > 0 && Number.isFinite(v));
  const xMin = Math.log2(Math.min(...rates)) - 0.4;
  const xMax = Math.max(Math.log2(Math.max(...rates)) + 0.4, xMin + 1.8);
  const yMin = Math.floor(Math.log10(Math.max(0.05, Math.min(...lats, 1))));
  const yMax = Math.ceil(Math.log10(Math.max(...lats, 10)));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (rate: number) => M.left + ((Math.log2(rate) - xMin) / (xMax - xMin)) * pw;
  const y = (ms: number) => M.top + ph - ((Math.log10(Math.max(ms, 10 ** yMin)) - yMin) / (yMax - yMin)) * ph;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${M.left}" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`);
  // Grid: one line per decade of latency, one per offered rate.
  for (let d = yMin; d <= yMax; d++) {
    const yy = y(10 ** d);
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${yy}" y2="${yy}" stroke="#ddd"/>`);
    out.push(
      `<text x="${M.left - 8}" y="${yy + 4}" text-anchor="end">${10 ** d >= 1 ? 10 ** d : (10 ** d).toFixed(-d)}</text>`,
    );
  }
  for (const rate of [...new Set(rates)].sort((a, b) => a - b)) {
    const xx = x(rate);
    out.push(`<line x1="${xx}" x2="${xx}" y1="${M.top}" y2="${M.top + ph}" stroke="#eee"/>`);
    out.push(`<text x="${xx}" y="${M.top + ph + 18}" text-anchor="middle">${rate}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  out.push(
    `<text x="${M.left + pw / 2}" y="${H - 14}" text-anchor="middle">offered load (tasks/s, open loop)</text>`,
  );
  out.push(
    `<text transform="translate(18 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">submit → done latency (ms, log)</text>`,
  );
  series.forEach((s, i) => {
    const shift = (i - (series.length - 1) / 2) * 4; // whiskers side by side, not on top of each other
    for (const [key, dash] of [
      ['p50', ''],
      ['p99', ' stroke-dasharray="6 4"'],
    ] as const) {
      const pts = s.points.filter((p) => Number.isFinite(p[key].median));
      if (pts.length === 0) continue;
      const path = pts
        .map(
          (p, k) =>
            `${k === 0 ? 'M' : 'L'}${(x(p.offeredPerSec) + shift).toFixed(1)},${y(p[key].median).toFixed(1)}`,
        )
        .join(' ');
      out.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
      for (const p of pts) {
        const xx = x(p.offeredPerSec) + shift;
        out.push(
          `<line x1="${xx}" x2="${xx}" y1="${y(p[key].min)}" y2="${y(p[key].max)}" stroke="${s.color}" stroke-width="1"/>`,
        );
        const marker =
          p.saturatedRuns > 0
            ? `<rect x="${xx - 4}" y="${y(p[key].median) - 4}" width="8" height="8" fill="white" stroke="${s.color}" stroke-width="2"/>`
            : `<circle cx="${xx}" cy="${y(p[key].median)}" r="3" fill="${s.color}"/>`;
        out.push(marker);
      }
    }
  });
  const lx = M.left + pw + 16;
  series.forEach((s, i) => {
    const ly = M.top + 10 + i * 22;
    out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`);
    out.push(`<text x="${lx + 30}" y="${ly + 4}">${esc(s.label)}</text>`);
  });
  const ly = M.top + 10 + series.length * 22 + 10;
  out.push(
    `<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="#333" stroke-width="2"/><text x="${lx + 30}" y="${ly + 4}">p50</text>`,
  );
  out.push(
    `<line x1="${lx}" x2="${lx + 24}" y1="${ly + 20}" y2="${ly + 20}" stroke="#333" stroke-width="2" stroke-dasharray="6 4"/><text x="${lx + 30}" y="${ly + 24}">p99</text>`,
  );
  out.push(`<text x="${lx}" y="${ly + 48}">whiskers: min–max over runs</text>`);
  out.push(
    `<rect x="${lx}" y="${ly + 60}" width="8" height="8" fill="white" stroke="#333" stroke-width="2"/><text x="${lx + 14}" y="${ly + 68}">saturated in a run</text>`,
  );
  out.push('</svg>');
  return out.join('\n');
}
