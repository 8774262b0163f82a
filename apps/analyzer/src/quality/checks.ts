import { randomUUID } from 'node:crypto';
import type { AnalyzerConfig, MessageInput, Metric } from '@awo/shared';
import { median } from 'simple-statistics';
import { Ring } from '../forecast/ring.js';
import { RuleSeries, SeriesBudget, type RefusalWarning } from '../admission.js';
import { globToRegExp } from '../series.js';
import { DEFAULT_CROSSING_WINDOW, forecastCrossing } from './crossing.js';
import { DriftDetector } from './drift-detector.js';

type QualityInsight = Extract<MessageInput<'insights'>, { kind: 'data-quality' }>;

/** A series with a limit (from the planner's quality goals, in the analyzer's config slice): its recent points and last verdicts. */
interface LimitState {
  limit: number;
  recent: Ring;
  violated: boolean;
  crossing: boolean;
}

interface DriftState {
  detector: DriftDetector;
  drifted: boolean;
  lastAt: number;
}

/** While a drift lasts, it is said again at most this often (a drifted field yields many values per second). */
const DRIFT_REPEAT_MS = 1000;
/** Steps ahead the crossing forecast looks when no forecast rule gives a horizon. */
const DEFAULT_CROSSING_HORIZON = 10;

/**
 * The analyzer's data-quality checks, one per metric, with no I/O:
 * - `limit`: a series a quality goal limits is at or above its limit (said on every point while
 *   it is, and once, `violated: false`, when it is back under);
 * - `forecast-crossing`: a linear trend over its recent points crosses the limit within the
 *   horizon (the series' forecast rule's, else 10 steps) while it is still under it and rising;
 * - `drift`: a series of `analyzer.drift` (e.g. a record field's values) has drifted from its
 *   reference window (PSI or KS), said at most once a second while it lasts, and once when over.
 */
export class QualityChecks {
  readonly #limits = new Map<string, LimitState>();
  readonly #driftRules: { re: RegExp; rule: AnalyzerConfig['analyzer']['drift'][number]; series: RuleSeries<DriftState> }[];
  readonly #horizons: { re: RegExp; steps: number }[];

  readonly #maxSeries: number;
  readonly #wanted = new Map<string, boolean>();
  /** Index of the first drift rule a name matches (-1: none), remembered per name. */
  readonly #driftRuleOf = new Map<string, number>();

  /**
   * @param budget the analyzer's bound on series over all its rules (drift rules' series count in it)
   * @param warn told, rate-limited, when a drift rule refuses new series
   */
  constructor(config: Pick<AnalyzerConfig, 'analyzer' | 'quality'>, budget = new SeriesBudget(config.analyzer.maxSeries), warn?: (w: RefusalWarning) => void) {
    this.#maxSeries = config.analyzer.maxSeries;
    for (const [series, limit] of Object.entries(config.quality.limits)) {
      this.#limits.set(series, { limit, recent: new Ring(DEFAULT_CROSSING_WINDOW), violated: false, crossing: false });
    }
    this.#driftRules = config.analyzer.drift.map((rule, i) => ({ re: globToRegExp(rule.series), rule, series: new RuleSeries<DriftState>(`drift[${i}]`, rule, budget, config.analyzer.idleExpiry, warn) }));
    this.#horizons = config.quality.horizons.map((h) => ({ re: globToRegExp(h.series), steps: h.steps }));
  }

  /**
   * Hot reload: the quality goals' limits change; a series keeps its recent window, a new one
   * starts one, a series no longer limited is dropped.
   */
  retuneLimits(limits: Readonly<Record<string, number>>): void {
    for (const series of [...this.#limits.keys()]) if (!(series in limits)) this.#limits.delete(series);
    for (const [series, limit] of Object.entries(limits)) {
      const known = this.#limits.get(series);
      if (known) known.limit = limit;
      else this.#limits.set(series, { limit, recent: new Ring(DEFAULT_CROSSING_WINDOW), violated: false, crossing: false });
    }
    this.#wanted.clear();
  }

  /** Whether a series is checked at all (the analyzer skips the rest); asked once per metric, so remembered per series. */
  wants(series: string): boolean {
    let wanted = this.#wanted.get(series);
    if (wanted === undefined) {
      wanted = this.#limits.has(series) || this.#driftRules.some((r) => r.re.test(series));
      this.#wanted.set(series, wanted);
      if (this.#wanted.size > this.#maxSeries) this.#wanted.delete(this.#wanted.keys().next().value as string);
    }
    return wanted;
  }

  /** The drift rules' series tables (for counts). */
  tables(): readonly RuleSeries<DriftState>[] {
    return this.#driftRules.map((r) => r.series);
  }

  /** Forgets drift series silent for `analyzer.idleExpiry` at `now`. */
  sweep(now: number): void {
    for (const r of this.#driftRules) r.series.sweep(now);
  }

  /** Checks one metric (at `now` on the receiver's clock); returns the insights it gives (usually none). */
  observe(m: Pick<Metric, 'series' | 'value' | 'ts'> & { labels?: Record<string, string> }, metricIds: string[], now = Date.now()): QualityInsight[] {
    const out: QualityInsight[] = [];
    const limit = this.#limits.get(m.series);
    if (limit) this.#checkLimit(limit, m, metricIds, out);
    const drift = this.#driftState(m.series, m.labels ?? {}, now);
    if (drift) this.#checkDrift(drift, m, metricIds, out);
    return out;
  }

  #checkLimit(s: LimitState, m: Pick<Metric, 'series' | 'value' | 'ts'>, metricIds: string[], out: QualityInsight[]): void {
    if (!Number.isFinite(m.value)) return;
    s.recent.push(m.value);
    const violated = m.value >= s.limit;
    if (violated || s.violated) out.push(insight(m, 'limit', m.value, s.limit, violated, metricIds, violated ? `at or above the limit ${s.limit}` : `back under the limit ${s.limit}`));
    s.violated = violated;
    if (violated) {
      s.crossing = false;
      return;
    }
    const steps = this.#horizons.find((h) => h.re.test(m.series))?.steps ?? DEFAULT_CROSSING_HORIZON;
    const recent = s.recent.toArray();
    // A trend is believed only while the series is still rising (its newest value above the
    // window's median): after a burst has passed, a line through the window still points up.
    const rising = m.value > median(recent);
    const estimate = rising ? forecastCrossing(recent, s.limit, { horizon: steps }) : undefined;
    const crossing = estimate?.status === 'likely';
    if (crossing || s.crossing) {
      out.push(insight(m, 'forecast-crossing', m.value, s.limit, crossing, metricIds, crossing ? `forecast to cross ${s.limit} in ${estimate?.timeToCrossing} steps` : 'no longer forecast to cross'));
    }
    s.crossing = crossing;
  }

  /** The drift state of the metric's series under its drift rule, if it has one and the rule admits it. */
  #driftState(series: string, labels: Record<string, string>, now: number): DriftState | undefined {
    let i = this.#driftRuleOf.get(series);
    if (i === undefined) {
      // Names come from the stream: the memo is bounded (cleared, it is only a cache).
      if (this.#driftRuleOf.size >= this.#maxSeries) this.#driftRuleOf.clear();
      i = this.#driftRules.findIndex((r) => r.re.test(series));
      this.#driftRuleOf.set(series, i);
    }
    const r = this.#driftRules[i];
    if (!r) return undefined;
    const { rule } = r;
    return r.series.get(series, labels, now, () => ({
      detector: new DriftDetector({ method: rule.method, reference: rule.reference, window: rule.recent, ...(rule.threshold !== undefined ? { threshold: rule.threshold } : {}) }),
      drifted: false,
      lastAt: 0,
    }));
  }

  #checkDrift(s: DriftState, m: Pick<Metric, 'series' | 'value' | 'ts'>, metricIds: string[], out: QualityInsight[]): void {
    const d = s.detector.update(m.value, m.ts);
    const due = d.anomalous ? !s.drifted || m.ts - s.lastAt >= DRIFT_REPEAT_MS : s.drifted;
    if (due) {
      const detail = `${d.method} ${d.statistic?.toPrecision(3) ?? '?'}${d.pValue !== undefined ? ` (p=${d.pValue.toExponential(2)})` : ''} vs the reference window`;
      out.push(insight(m, 'drift', d.raw, d.threshold, d.anomalous, metricIds, detail));
      s.lastAt = m.ts;
    }
    s.drifted = d.anomalous;
  }
}

function insight(m: Pick<Metric, 'series' | 'ts'>, check: string, value: number, limit: number, violated: boolean, metricIds: string[], detail: string): QualityInsight {
  return { v: 1, id: randomUUID(), kind: 'data-quality', series: m.series, ts: m.ts, metricIds, check, value, limit, violated, detail };
}
