// ml-regression ships no types: the reference keeps our declaration visible when another
// workspace (e.g. bench) type-checks this file through an import of @awo/analyzer.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./ml-regression.d.ts" />
import { SimpleLinearRegression } from 'ml-regression';
import { checkedHorizon, makeForecast, tForLevel } from './interval.js';
import type { Forecast, ForecastOptions } from './types.js';

/** Default number of trailing points the line is fitted on. */
export const DEFAULT_TREND_WINDOW = 60;

/** Options of {@link linearTrend}. */
export interface LinearTrendOptions extends ForecastOptions {
  /** Number of trailing points to fit (default 60, at least 3). */
  window?: number;
}

/**
 * Linear trend forecast: an ordinary least squares line over the last W points
 * (W = min(n, window), window default 60) extrapolated h steps.
 *
 * Interval: the classical regression prediction interval
 * ± t(level, W − 2) · s · sqrt(1 + 1/W + (x* − x̄)² / Sxx), with s the residual standard error.
 * `season` is ignored. Returns null with fewer than 3 points or a horizon below 1.
 */
export function linearTrend(
  series: readonly number[],
  horizon: number,
  opts: LinearTrendOptions = {},
): Forecast | null {
  const n = series.length;
  const h = checkedHorizon(horizon);
  const window = Math.max(3, Math.floor(opts.window ?? DEFAULT_TREND_WINDOW));
  const w = Math.min(n, window);
  if (h === undefined || w < 3) return null;

  // Centre y before fitting: the library uses raw sums, which lose precision on large offsets.
  const ys = series.slice(n - w);
  let yMean = 0;
  for (const y of ys) yMean += y;
  yMean /= w;
  const xs = new Array<number>(w);
  const yc = new Array<number>(w);
  for (let i = 0; i < w; i++) {
    xs[i] = i;
    yc[i] = ys[i]! - yMean;
  }
  const fit = new SimpleLinearRegression(xs, yc);
  const slope = fit.slope;
  const intercept = fit.intercept + yMean;

  let sse = 0;
  for (let i = 0; i < w; i++) {
    const r = ys[i]! - (intercept + slope * i);
    sse += r * r;
  }
  const s = Math.sqrt(sse / (w - 2));
  const xMean = (w - 1) / 2;
  const sxx = (w * (w * w - 1)) / 12; // Σ (i − x̄)² for i = 0..w−1
  const x = w - 1 + h;
  const value = intercept + slope * x;
  const half = tForLevel(opts.level, w - 2) * s * Math.sqrt(1 + 1 / w + ((x - xMean) * (x - xMean)) / sxx);
  return makeForecast('linear-trend', value, half, h);
}

/** A {@link linearTrend} forecaster bound to a fitting window. */
export function linearTrendWithWindow(window: number) {
  return (series: readonly number[], horizon: number, opts: ForecastOptions = {}): Forecast | null =>
    linearTrend(series, horizon, { ...opts, window });
}
