import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface ChartData {
  /** Seconds since the epoch, ascending. */
  xs: number[];
  load: (number | null)[];
  forecast: (number | null)[];
  lower: (number | null)[];
  upper: (number | null)[];
  workers: (number | null)[];
}

/**
 * One autoscale goal's chart (uPlot): the load, the forecast with its interval as a band, and
 * the workers on their own axis. The plot is made once and given new data as it comes.
 */
export function GoalChart({ data, loadLabel }: { data: ChartData; loadLabel: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const rows = (d: ChartData): uPlot.AlignedData => [d.xs, d.load, d.forecast, d.lower, d.upper, d.workers];

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(320, el.clientWidth || 640),
      height: 220,
      legend: { show: true },
      scales: { x: { time: true }, workers: { range: (_u, _min, max) => [0, Math.max(2, Math.ceil(max * 1.2))] } },
      series: [
        {},
        { label: loadLabel, stroke: '#2f7de1', width: 2, spanGaps: true },
        { label: 'forecast', stroke: '#e8912d', width: 1.5, dash: [6, 4], spanGaps: true },
        { label: 'lower', stroke: 'rgba(232,145,45,0.35)', width: 1, spanGaps: true },
        { label: 'upper', stroke: 'rgba(232,145,45,0.35)', width: 1, spanGaps: true },
        { label: 'workers', stroke: '#2ea36b', width: 2, scale: 'workers', paths: uPlot.paths.stepped?.({ align: 1 }) },
      ],
      bands: [{ series: [4, 3], fill: 'rgba(232,145,45,0.15)' }],
      axes: [{}, { label: loadLabel, size: 60 }, { side: 1, scale: 'workers', label: 'workers', grid: { show: false } }],
    };
    plot.current = new uPlot(opts, rows(data), el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(320, el.clientWidth), height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [loadLabel]);

  useEffect(() => {
    plot.current?.setData(rows(data));
  }, [data]);

  return <div class="chart" ref={box} />;
}

/**
 * Puts the load points, the forecasts (each at the time it is for: made at `ts`, `horizonMs`
 * ahead) and the workers (a step function of (time, size)) on one ascending time axis, seconds.
 */
export function alignChart(
  load: readonly { ts: number; value: number }[],
  forecasts: readonly { ts: number; horizonMs: number; value: number; lower: number; upper: number }[],
  workers: readonly { ts: number; value: number }[],
): ChartData {
  const at = new Map<number, { load?: number; f?: number; lo?: number; hi?: number; w?: number }>();
  const slot = (ms: number) => {
    const x = Math.round(ms / 100) / 10;
    let s = at.get(x);
    if (!s) at.set(x, (s = {}));
    return s;
  };
  for (const p of load) slot(p.ts).load = p.value;
  for (const f of forecasts) Object.assign(slot(f.ts + f.horizonMs), { f: f.value, lo: f.lower, hi: f.upper });
  for (const w of workers) slot(w.ts).w = w.value;
  const xs = [...at.keys()].sort((a, b) => a - b);
  const data: ChartData = { xs, load: [], forecast: [], lower: [], upper: [], workers: [] };
  // Before its first known size the pool had that size (the first revision's `from`, or the
  // current size when no revision changed it).
  let lastWorkers: number | null = workers.length > 0 ? [...workers].sort((a, b) => a.ts - b.ts)[0]?.value ?? null : null;
  for (const x of xs) {
    const s = at.get(x) ?? {};
    data.load.push(s.load ?? null);
    data.forecast.push(s.f ?? null);
    data.lower.push(s.lo ?? null);
    data.upper.push(s.hi ?? null);
    if (s.w !== undefined) lastWorkers = s.w;
    data.workers.push(lastWorkers);
  }
  return data;
}
