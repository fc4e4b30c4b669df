import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const COLORS = ['#2563eb', '#15803d', '#b91c1c', '#a16207', '#7c3aed', '#0e7490'];

/** A time-series chart (uPlot): x in seconds, one line per series; resized with its container. */
export function Chart(props: { title: string; series: string[]; data: number[][]; unit: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const key = props.series.join('|');
  useEffect(() => {
    const el = box.current!;
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: 220,
      series: [
        {},
        ...props.series.map((label, i) => ({
          label,
          stroke: COLORS[i % COLORS.length],
          width: 2,
          value: (_u: uPlot, v: number | null) => (v == null ? '—' : `${+v.toFixed(3)} ${props.unit}`),
        })),
      ],
      axes: [{}, { size: 60 }],
      // At least the last minute on the time axis, so a first point or two is not spread over years.
      scales: {
        x: { time: true, range: (_u, min, max) => [Math.min(min ?? max - 60, max - 60), max] },
        y: { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max)] },
      },
    };
    const chart = new uPlot(opts, props.data as uPlot.AlignedData, el);
    plot.current = chart;
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(280, el.clientWidth), height: 220 }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
    // Re-created only when the series change; new data is set below.
  }, [key]);
  useEffect(() => {
    plot.current?.setData(props.data as uPlot.AlignedData);
  }, [props.data]);
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={box} role="img" aria-label={`${props.title}: chart of ${props.series.join(', ')}`} />
    </figure>
  );
}
