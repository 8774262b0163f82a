import { checkedHorizon, checkedSeason, makeForecast, zForLevel } from './interval.js';
import type { Forecast, ForecastOptions } from './types.js';

/** Smoothing parameters, each in [0, 1]: level (alpha), trend (beta), season (gamma). */
export interface SmoothingParams {
  alpha: number;
  beta: number;
  gamma: number;
}

/** At most this many seasons are used to fit a seasonal model (keeps the grid search cheap). */
export const MAX_FIT_SEASONS = 8;
/** At most this many points are used to fit a non-seasonal (Holt) model. */
export const MAX_FIT_POINTS = 500;

const ALPHAS = [0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9];
const BETAS = [0, 0.02, 0.1, 0.3];
const GAMMAS = [0.01, 0.05, 0.15, 0.3, 0.5];

/**
 * Additive Holt–Winters state that can be updated one point at a time (the streaming variant).
 * With `season` undefined it is Holt's linear method (level and trend only).
 *
 * Update equations, for an observation y with seasonal term s = S[phase]:
 *   level' = α (y − s) + (1 − α)(level + trend)
 *   trend' = β (level' − level) + (1 − β) trend
 *   S[phase] = γ (y − level − trend) + (1 − γ) s
 * Forecast h steps ahead: level + h · trend + S[(phase + h − 1) mod season].
 */
export class HoltWintersModel {
  readonly params: SmoothingParams;
  readonly season: number | undefined;
  private level: number;
  private trend: number;
  private readonly seasonal: number[];
  private phase = 0;
  private sse = 0;
  private count = 0;

  /**
   * @param params smoothing parameters
   * @param season season length (integer >= 2) or undefined for Holt's linear method
   * @param init state just before the next observation; `seasonal[i]` is the seasonal term of the
   *   i-th next step (length `season`, ignored without a season)
   */
  constructor(
    params: SmoothingParams,
    season: number | undefined,
    init: { level: number; trend: number; seasonal?: readonly number[] },
  ) {
    this.params = params;
    this.season = season;
    this.level = init.level;
    this.trend = init.trend;
    this.seasonal = season === undefined ? [] : Array.from({ length: season }, (_, i) => init.seasonal?.[i] ?? 0);
  }

  /** Absorbs one observation; returns its one-step-ahead error (observation − forecast). */
  update(y: number): number {
    const { alpha, beta, gamma } = this.params;
    const m = this.season;
    const s = m === undefined ? 0 : this.seasonal[this.phase]!;
    const error = y - (this.level + this.trend + s);
    const level = alpha * (y - s) + (1 - alpha) * (this.level + this.trend);
    if (m !== undefined) {
      this.seasonal[this.phase] = gamma * (y - this.level - this.trend) + (1 - gamma) * s;
      this.phase = (this.phase + 1) % m;
    }
    this.trend = beta * (level - this.level) + (1 - beta) * this.trend;
    this.level = level;
    this.sse += error * error;
    this.count++;
    return error;
  }

  /** Point forecast h steps past the last observation (h >= 1). */
  predict(h: number): number {
    const s = this.season === undefined ? 0 : this.seasonal[(this.phase + h - 1) % this.season]!;
    return this.level + h * this.trend + s;
  }

  /** Root mean square of the one-step errors seen so far (0 before any). */
  residualStd(): number {
    return this.count === 0 ? 0 : Math.sqrt(this.sse / this.count);
  }

  /**
   * Interval forecast h steps ahead: ± z(level) · residualStd · sqrt(h)
   * (a simple random-walk-like widening, not the exact ETS variance).
   */
  forecast(horizon: number, level?: number): Forecast | null {
    const h = checkedHorizon(horizon);
    if (h === undefined) return null;
    const model = this.season === undefined ? 'holt' : 'holt-winters';
    return makeForecast(model, this.predict(h), zForLevel(level) * this.residualStd() * Math.sqrt(h), h);
  }
}

/** Least-squares line through ys over x = 0..k−1. */
function lineFit(ys: readonly number[], k: number): { intercept: number; slope: number } {
  let xm = 0;
  let ym = 0;
  for (let i = 0; i < k; i++) {
    xm += i;
    ym += ys[i]!;
  }
  xm /= k;
  ym /= k;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < k; i++) {
    sxy += (i - xm) * (ys[i]! - ym);
    sxx += (i - xm) * (i - xm);
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { intercept: ym - slope * xm, slope };
}

/** Initial state (just before ys[0]) from the first two seasons, or from a line for Holt. */
function initialState(ys: readonly number[], m: number | undefined) {
  if (m === undefined) {
    const { intercept, slope } = lineFit(ys, Math.min(ys.length, 10));
    return { level: intercept - slope, trend: slope };
  }
  let mean1 = 0;
  let mean2 = 0;
  for (let i = 0; i < m; i++) {
    mean1 += ys[i]!;
    mean2 += ys[m + i]!;
  }
  mean1 /= m;
  mean2 /= m;
  const trend = (mean2 - mean1) / m;
  const centre = (m - 1) / 2;
  const seasonal = new Array<number>(m);
  let total = 0;
  for (let i = 0; i < m; i++) {
    const d1 = ys[i]! - mean1 - trend * (i - centre);
    const d2 = ys[m + i]! - mean2 - trend * (i - centre);
    seasonal[i] = (d1 + d2) / 2;
    total += seasonal[i]!;
  }
  for (let i = 0; i < m; i++) seasonal[i]! -= total / m;
  return { level: mean1 - trend * (centre + 1), trend, seasonal };
}

/**
 * Fits additive Holt–Winters (or Holt's linear method when `season` is undefined or the series is
 * shorter than two seasons) by grid search over alpha, beta, gamma minimising the one-step SSE.
 * Only the last 8 seasons (or 500 points without a season) are used.
 * Returns the model after absorbing the fitted points, or null with fewer than 3 points.
 */
export function fitHoltWinters(series: readonly number[], opts: ForecastOptions = {}): HoltWintersModel | null {
  const n = series.length;
  let m = checkedSeason(opts.season);
  if (m !== undefined && n < 2 * m) m = undefined;
  if (n < 3) return null;
  const keep = m === undefined ? MAX_FIT_POINTS : MAX_FIT_SEASONS * m;
  const ys = n > keep ? series.slice(n - keep) : series;
  const init = initialState(ys, m);
  const gammas = m === undefined ? [0] : GAMMAS;

  let best: SmoothingParams | undefined;
  let bestSse = Number.POSITIVE_INFINITY;
  for (const alpha of ALPHAS) {
    for (const beta of BETAS) {
      for (const gamma of gammas) {
        const sse = oneStepSse(ys, { alpha, beta, gamma }, m, init, bestSse);
        if (sse < bestSse) {
          bestSse = sse;
          best = { alpha, beta, gamma };
        }
      }
    }
  }
  const model = new HoltWintersModel(best ?? { alpha: 0.2, beta: 0.02, gamma: 0.05 }, m, init);
  for (const y of ys) model.update(y);
  return model;
}

/** One-step SSE of a parameter set, stopping early once it exceeds `cutoff`. */
function oneStepSse(
  ys: readonly number[],
  params: SmoothingParams,
  m: number | undefined,
  init: { level: number; trend: number; seasonal?: readonly number[] },
  cutoff: number,
): number {
  const model = new HoltWintersModel(params, m, init);
  let sse = 0;
  for (const y of ys) {
    const e = model.update(y);
    sse += e * e;
    if (!(sse <= cutoff)) return Number.POSITIVE_INFINITY;
  }
  return sse;
}

/**
 * Additive Holt–Winters forecaster (see {@link fitHoltWinters}); model name `holt-winters`, or
 * `holt` for the non-seasonal fallback. Interval: ± z(level) · one-step residual RMS · sqrt(h).
 * Returns null with fewer than 3 points or a horizon below 1.
 */
export function holtWinters(series: readonly number[], horizon: number, opts: ForecastOptions = {}): Forecast | null {
  if (checkedHorizon(horizon) === undefined) return null;
  const model = fitHoltWinters(series, opts);
  return model === null ? null : model.forecast(horizon, opts.level);
}
