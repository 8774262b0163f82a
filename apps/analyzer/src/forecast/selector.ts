import { dampedTrend } from './damped-trend.js';
import { holtWinters } from './holt-winters.js';
import { checkedHorizon, checkedSeason } from './interval.js';
import { linearTrend } from './linear-trend.js';
import { SeasonalProfile, type OnlineForecaster } from './profile.js';
import { Ring } from './ring.js';
import { seasonalNaive } from './seasonal-naive.js';
import { theta } from './theta.js';
import type { Forecast, ForecastOptions, Forecaster } from './types.js';

/** A forecaster registered under a name. */
export interface NamedForecaster {
  name: string;
  fn: Forecaster;
}

/** A stateful forecaster registered under a name: one is made per selector, for its horizon. */
export interface OnlineModel {
  name: string;
  create: (horizon: number) => OnlineForecaster;
}

/** Default half-life of the selector's error average (chosen by the blocked rolling-origin search of `bench forecast`). */
export const DEFAULT_HALF_LIFE = 200;

/** Options of {@link ModelSelector}. */
export interface SelectorOptions {
  /** Half-life, in scored points, of the exponentially weighted mean error (default {@link DEFAULT_HALF_LIFE}). */
  halfLife?: number;
  /** Scored points a model needs before it may be chosen (default 20). */
  minScored?: number;
  /** Most recent points kept and passed to the forecasters (default 2000). */
  maxWindow?: number;
  /** Recompute every model's forecast only every k points (default 1); only those are scored. */
  refitEvery?: number;
  /** Season passed to the forecasters and used to scale errors (lag of the naive scale). */
  season?: number;
  /** Prediction interval level passed to the forecasters. */
  level?: number;
  /** Model used before any has enough scored points (default 'seasonal-naive'). */
  fallback?: string;
  /** Stateful models, fed every point, competing with the others (names unique among all). */
  online?: readonly OnlineModel[];
}

/** Backtest error of one model: weighted mean absolute scaled error and number of scored points. */
export interface ModelError {
  /** NaN while n is 0. */
  mae: number;
  n: number;
}

interface Entry {
  name: string;
  fn: Forecaster;
  /** Forecasts waiting for their target point, oldest first (at most ceil(h / refitEvery) + 1). */
  pending: { target: number; value: number }[];
  weightedSum: number;
  weight: number;
  n: number;
  online?: OnlineForecaster;
}

/**
 * Per-series online model selection by rolling backtest error.
 *
 * Each {@link observe} appends a point, scores every model's forecast that was made h steps
 * earlier for this point, and (every `refitEvery` points) asks every model for a new forecast h
 * steps ahead. The error is the absolute error scaled by the running mean absolute (seasonal)
 * naive difference, |y[t] − y[t − season]| (or lag 1), i.e. a MASE-like number where 1 is about
 * as good as the (seasonal) naive method; it is kept as an exponentially weighted mean.
 * Memory is bounded: a ring of `maxWindow` points and a few pending forecasts per model.
 */
export class ModelSelector {
  readonly horizon: number;
  private readonly entries: Entry[];
  private readonly window: Ring;
  private readonly decay: number;
  private readonly minScored: number;
  private readonly refitEvery: number;
  private readonly lag: number;
  private readonly opts: ForecastOptions;
  private readonly fallback: string;
  private scaleSum = 0;
  private scaleWeight = 0;
  private observed = 0;
  private sinceRefit = 0;
  /** No negative point seen: forecasts are clamped at 0 (a rate or a count cannot go below). */
  private nonNegative = true;
  private cache: { at: number; forecasts: Map<string, Forecast | null> } = { at: -1, forecasts: new Map() };

  /**
   * @param models forecasters to choose from (names must be unique)
   * @param horizon steps ahead to forecast and score (integer >= 1)
   */
  constructor(models: readonly NamedForecaster[], horizon: number, options: SelectorOptions = {}) {
    const h = checkedHorizon(horizon);
    if (h === undefined) throw new RangeError(`horizon must be >= 1, got ${horizon}`);
    const online = options.online ?? [];
    if (models.length + online.length === 0) throw new RangeError('ModelSelector needs at least one model');
    const names = [...models, ...online].map((m) => m.name);
    if (new Set(names).size !== names.length) throw new RangeError('model names must be unique');
    this.horizon = h;
    this.entries = models.map(({ name, fn }) => ({ name, fn, pending: [], weightedSum: 0, weight: 0, n: 0 }));
    for (const m of online) {
      const model = m.create(h);
      const fn: Forecaster = (_series, horizon, opts = {}) => model.forecast(horizon, opts.level);
      this.entries.push({ name: m.name, fn, pending: [], weightedSum: 0, weight: 0, n: 0, online: model });
    }
    this.window = new Ring(Math.max(2, Math.floor(options.maxWindow ?? 2000)));
    this.decay = Math.pow(2, -1 / Math.max(1e-9, options.halfLife ?? DEFAULT_HALF_LIFE));
    this.minScored = Math.max(1, Math.floor(options.minScored ?? 20));
    this.refitEvery = Math.max(1, Math.floor(options.refitEvery ?? 1));
    const season = checkedSeason(options.season);
    this.lag = season !== undefined && season < this.window.capacity ? season : 1;
    this.opts = {};
    if (season !== undefined) this.opts.season = season;
    if (options.level !== undefined) this.opts.level = options.level;
    this.fallback = options.fallback ?? 'seasonal-naive';
  }

  /** Number of points observed so far. */
  get count(): number {
    return this.observed;
  }

  /** Appends a point (non-finite values are ignored), scores due forecasts and refits if due. */
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    if (value < 0) this.nonNegative = false;
    const t = this.observed;
    const prev = this.window.length >= this.lag ? this.window.at(this.window.length - this.lag) : undefined;
    if (this.scaleWeight > 0) {
      const scale = Math.max(this.scaleSum / this.scaleWeight, 1e-9 * Math.max(1, Math.abs(value)));
      for (const e of this.entries) this.score(e, t, value, scale);
    }
    if (prev !== undefined) {
      this.scaleSum = this.decay * this.scaleSum + Math.abs(value - prev);
      this.scaleWeight = this.decay * this.scaleWeight + 1;
    }
    this.window.push(value);
    for (const e of this.entries) e.online?.observe(value);
    this.observed++;
    this.sinceRefit++;
    if (this.sinceRefit >= this.refitEvery) {
      this.sinceRefit = 0;
      const forecasts = this.computeAll();
      for (const e of this.entries) {
        const f = forecasts.get(e.name);
        if (f && Number.isFinite(f.value)) e.pending.push({ target: t + this.horizon, value: f.value });
      }
    }
  }

  /** The model with the lowest error among those with enough scored points, if any. */
  best(): { model: string; error: number } | undefined {
    let best: Entry | undefined;
    for (const e of this.entries) {
      if (e.n >= this.minScored && (best === undefined || mean(e) < mean(best))) best = e;
    }
    return best === undefined ? undefined : { model: best.name, error: mean(best) };
  }

  /**
   * The current best model's forecast h steps past the last point (model field = registered name).
   * Before any model qualifies, the fallback model (seasonal naive) is used; if the chosen model
   * has not enough data, the next models are tried in order of error. Null if none can forecast.
   */
  forecast(): Forecast | null {
    const chosen = this.best()?.model ?? this.fallback;
    const ranked = [...this.entries].sort((a, b) => compareRank(a, b, this.minScored));
    const order = [chosen, ...ranked.map((e) => e.name).filter((n) => n !== chosen)];
    const forecasts = this.cache.at === this.observed ? this.cache.forecasts : undefined;
    let series: number[] | undefined;
    for (const name of order) {
      const entry = this.entries.find((e) => e.name === name);
      if (!entry) continue;
      let f = forecasts?.get(name);
      if (f === undefined) {
        series ??= this.window.toArray();
        f = this.clamp(safeCall(entry.fn, series, this.horizon, this.opts));
      }
      if (f) return { ...f, model: name };
    }
    return null;
  }

  /** Error of every model, by name. */
  errors(): Record<string, ModelError> {
    const out: Record<string, ModelError> = {};
    for (const e of this.entries) out[e.name] = { mae: mean(e), n: e.n };
    return out;
  }

  private score(e: Entry, t: number, value: number, scale: number): void {
    while (e.pending.length > 0 && e.pending[0]!.target < t) e.pending.shift();
    const due = e.pending[0];
    if (due === undefined || due.target !== t) return;
    e.pending.shift();
    e.weightedSum = this.decay * e.weightedSum + Math.abs(value - due.value) / scale;
    e.weight = this.decay * e.weight + 1;
    e.n++;
  }

  private computeAll(): Map<string, Forecast | null> {
    const series = this.window.toArray();
    const forecasts = new Map<string, Forecast | null>();
    for (const e of this.entries) forecasts.set(e.name, this.clamp(safeCall(e.fn, series, this.horizon, this.opts)));
    this.cache = { at: this.observed, forecasts };
    return forecasts;
  }

  private clamp(f: Forecast | null): Forecast | null {
    if (f === null || !this.nonNegative || f.lower >= 0) return f;
    return { ...f, value: Math.max(0, f.value), lower: 0, upper: Math.max(0, f.upper) };
  }
}

function mean(e: Entry): number {
  return e.weight > 0 ? e.weightedSum / e.weight : Number.NaN;
}

/** Qualified models by error first, then the rest (the stable sort keeps list order on ties). */
function compareRank(a: Entry, b: Entry, minScored: number): number {
  const x = a.n >= minScored ? mean(a) : Number.POSITIVE_INFINITY;
  const y = b.n >= minScored ? mean(b) : Number.POSITIVE_INFINITY;
  return x === y ? 0 : x < y ? -1 : 1;
}

function safeCall(fn: Forecaster, series: readonly number[], h: number, opts: ForecastOptions): Forecast | null {
  try {
    return fn(series, h, { ...opts });
  } catch {
    return null;
  }
}

/**
 * The standard model set: naive (the last value: the best at short horizons on real load traces,
 * see docs/benchmarks.md), seasonal naive, linear trend, Holt–Winters, the damped trend and Theta,
 * with `season` bound (a season given in the call's options takes precedence; naive, the damped
 * trend and Theta ignore it), and the weekly seasonal naive (7 seasons back, when the window holds
 * a week; the season is taken as a day).
 */
export function defaultForecasters(season?: number): NamedForecaster[] {
  const bind =
    (fn: Forecaster): Forecaster =>
    (series, horizon, opts = {}) =>
      fn(series, horizon, { ...opts, season: opts.season ?? season });
  return [
    { name: 'naive', fn: (series, horizon, opts = {}) => seasonalNaive(series, horizon, { ...opts, season: undefined }) },
    { name: 'seasonal-naive', fn: bind(seasonalNaive) },
    { name: 'linear-trend', fn: bind(linearTrend) },
    { name: 'holt-winters', fn: bind(holtWinters) },
    { name: 'damped-trend', fn: dampedTrend },
    { name: 'theta', fn: theta },
    { name: 'seasonal-naive-weekly', fn: bind(weeklyNaive) },
  ];
}

/** Seasonal naive at 7 seasons (a week when the season is a day); null until the series holds that much. */
export const weeklyNaive: Forecaster = (series, horizon, opts = {}) => {
  const m = opts.season;
  if (m === undefined || !Number.isInteger(m) || m < 2 || series.length < 7 * m) return null;
  const f = seasonalNaive(series, horizon, { ...opts, season: 7 * m });
  return f && { ...f, model: 'seasonal-naive-weekly' };
};

/**
 * Parameters of the online models: `alpha` and `maxSlots` chosen by the blocked rolling-origin search
 * of `bench forecast`; `log` chosen on the bench's traces while building the model; the deviation
 * regression's `halfLife` (in points) set, not searched.
 */
export const PROFILE_DEFAULTS: Readonly<ProfileParams> = Object.freeze({ alpha: 0.025, halfLife: 500, maxSlots: 96, log: true });

/** Parameters of the seasonal profiles (see {@link SeasonalProfile}). */
export interface ProfileParams {
  alpha: number;
  halfLife: number;
  maxSlots: number;
  log: boolean;
}

/**
 * The standard stateful models, given a season (a day of steps): the daily and the weekly
 * {@link SeasonalProfile} (the weekly one remembers more than the window holds, in at most
 * `maxSlots` slots). None without a season.
 */
export function defaultOnlineForecasters(season?: number, params: Partial<ProfileParams> = {}): OnlineModel[] {
  if (season === undefined || !Number.isInteger(season) || season < 2) return [];
  const p = { ...PROFILE_DEFAULTS, ...params };
  const profile = (name: string, period: number): OnlineModel => ({ name, create: (horizon) => new SeasonalProfile({ period, horizon, name, ...p }) });
  return [profile('profile-daily', season), profile('profile-weekly', 7 * season)];
}
