import { randomUUID } from 'node:crypto';
import type { AnalyzerConfig, MessageInput, Metric } from '@awo/shared';
import { median } from 'simple-statistics';
import { Ring } from '../forecast/ring.js';
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
  readonly #drift = new Map<string, DriftState>();
  readonly #driftRules: { re: RegExp; rule: AnalyzerConfig['analyzer']['drift'][number] }[];
  readonly #horizons: { re: RegExp; steps: number }[];

  readonly #maxSeries: number;
  readonly #wanted = new Map<string, boolean>();

  constructor(config: Pick<AnalyzerConfig, 'analyzer' | 'quality'>) {
    this.#maxSeries = config.analyzer.maxSeries;
    for (const [series, limit] of Object.entries(config.quality.limits)) {
      this.#limits.set(series, { limit, recent: new Ring(DEFAULT_CROSSING_WINDOW), violated: false, crossing: false });
    }
    this.#driftRules = config.analyzer.drift.map((rule) => ({ re: globToRegExp(rule.series), rule }));
    this.#horizons = config.quality.horizons.map((h) => ({ re: globToRegExp(h.series), steps: h.steps }));
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

  /** Checks one metric; returns the insights it gives (usually none). */
  observe(m: Pick<Metric, 'series' | 'value' | 'ts'>, metricIds: string[]): QualityInsight[] {
    const out: QualityInsight[] = [];
    const limit = this.#limits.get(m.series);
    if (limit) this.#checkLimit(limit, m, metricIds, out);
    const drift = this.#driftState(m.series);
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

  #driftState(series: string): DriftState | undefined {
    const existing = this.#drift.get(series);
    if (existing) return existing;
    const rule = this.#driftRules.find((r) => r.re.test(series))?.rule;
    if (!rule) return undefined;
    const detector = new DriftDetector({ method: rule.method, reference: rule.reference, window: rule.recent, ...(rule.threshold !== undefined ? { threshold: rule.threshold } : {}) });
    const state: DriftState = { detector, drifted: false, lastAt: 0 };
    this.#drift.set(series, state);
    // A pattern can match series without end (names come from the stream): keep the newest ones.
    if (this.#drift.size > this.#maxSeries) this.#drift.delete(this.#drift.keys().next().value as string);
    return state;
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
