import { useEffect, useMemo, useState } from 'preact/hooks';
import { getJson, seg } from '../lib/api.js';
import { num } from '../lib/format.js';
import { seriesSchema, type Forecast, type Goal, type Plan, type Revision, type Series } from '../lib/schemas.js';
import { alignChart, GoalChart } from './chart.js';

/** How many forecasts of one series the page keeps (each is one point of the band). */
const MAX_FORECASTS = 2000;

/** Forecasts seen on the events stream, per series, bounded (the oldest go first: it is a view, not a record). */
export class ForecastLog {
  private readonly bySeries = new Map<string, Forecast[]>();
  add(series: string, f: Forecast): void {
    const list = this.bySeries.get(series) ?? [];
    if (list.at(-1)?.ts === f.ts) return;
    list.push(f);
    if (list.length > MAX_FORECASTS) list.splice(0, list.length - MAX_FORECASTS);
    this.bySeries.set(series, list);
  }
  of(series: string): readonly Forecast[] {
    return this.bySeries.get(series) ?? [];
  }
}

/**
 * The workers over time: where revisions set the goal's parameter (oldest first: the first one's
 * `from` is the size before it), then the current plan's value now.
 */
export function workersOf(goal: Goal, revisions: readonly Revision[], plan: Plan | null): { ts: number; value: number }[] {
  const step = goal.step ?? '';
  const param = goal.param ?? 'concurrency';
  const out: { ts: number; value: number }[] = [];
  for (const r of [...revisions].sort((a, b) => a.version - b.version)) {
    for (const c of r.changes) {
      if (c.op !== 'set' || c.step !== step || c.param !== param || typeof c.to !== 'number') continue;
      if (out.length === 0 && typeof c.from === 'number') out.push({ ts: r.at - 1, value: c.from });
      out.push({ ts: r.at, value: c.to });
    }
  }
  const now = plan?.steps[step]?.params[param];
  if (typeof now === 'number') out.push({ ts: Date.now(), value: now });
  return out;
}

/** For each autoscale goal: the load, its forecast band and the workers, refreshed every `tick`. */
export function GoalsPanel({ goals, revisions, plan, forecasts, tick }: { goals: Goal[]; revisions: Revision[]; plan: Plan | null; forecasts: ForecastLog; tick: number }) {
  const autoscale = goals.filter((g) => g.kind === 'autoscale');
  return (
    <section class="panel wide" data-testid="goals">
      <h2>Autoscale goals</h2>
      {autoscale.length === 0 && <p class="empty">No autoscale goal in the config.</p>}
      {autoscale.map((g) => (
        <GoalView key={g.name} goal={g} revisions={revisions} plan={plan} forecasts={forecasts} tick={tick} />
      ))}
    </section>
  );
}

function GoalView({ goal, revisions, plan, forecasts, tick }: { goal: Goal; revisions: Revision[]; plan: Plan | null; forecasts: ForecastLog; tick: number }) {
  const [series, setSeries] = useState<Series | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = goal.arrivalSeries ?? goal.metric ?? '';
  useEffect(() => {
    if (!load) return;
    const abort = new AbortController();
    getJson(`/series/${seg(load)}`, seriesSchema, abort.signal).then(
      (s) => {
        setSeries(s);
        setError(null);
        if (s.forecast) forecasts.add(load, s.forecast);
      },
      (e: Error) => !abort.signal.aborted && setError(e.message),
    );
    return () => abort.abort();
  }, [load, tick]);
  const workers = useMemo(() => workersOf(goal, revisions, plan), [goal, revisions, plan]);
  const data = useMemo(() => alignChart(series?.points ?? [], forecasts.of(load), workers), [series, workers, tick]);
  const latest = series?.forecast;
  const lastLoad = series?.points.at(-1)?.value;
  return (
    <div class="goal" data-testid="goal" data-goal={goal.name}>
      <h3>
        {goal.name}{' '}
        <span class="muted">
          {goal.step}.{goal.param ?? 'concurrency'} · keeps {goal.metric} under {goal.target}
          {goal.mode === 'propose' ? ' · proposes' : ''}
        </span>
      </h3>
      <div class="figures">
        <span>load {lastLoad !== undefined ? num(lastLoad) : '-'}</span>
        <span>
          forecast {latest ? `${num(latest.value)} (${num(latest.lower)}–${num(latest.upper)}) in ${latest.horizonMs / 1000}s by ${latest.model}` : '-'}
        </span>
        <span>workers {workers.at(-1)?.value ?? '-'}</span>
      </div>
      {error && <p class="error">{error}</p>}
      <GoalChart data={data} loadLabel={load} />
    </div>
  );
}
