import { checkedHorizon, makeForecast, zForLevel } from './interval.js';
import type { Forecast, ForecastOptions } from './types.js';

/** At most this many trailing points are fitted. */
export const THETA_FIT_POINTS = 300;

const ALPHAS = [0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9];

/** Simple exponential smoothing from ys[0]: the final level and the one-step SSE (stops past `cutoff`). */
export function runSes(ys: readonly number[], alpha: number, cutoff = Number.POSITIVE_INFINITY): { level: number; sse: number } {
  let level = ys[0]!;
  let sse = 0;
  for (let i = 1; i < ys.length; i++) {
    const e = ys[i]! - level;
    sse += e * e;
    if (!(sse <= cutoff)) return { level, sse: Number.POSITIVE_INFINITY };
    level += alpha * e;
  }
  return { level, sse };
}

/**
 * The Theta method (Assimakopoulos & Nikolopoulos 2000) in Hyndman & Billah's form: simple
 * exponential smoothing with a drift of half the least-squares slope of the fitted points,
 *   ŷ(h) = ℓ + (b / 2) · (h − 1 + 1/α − (1 − α)^n / α),
 * α chosen by grid search on the one-step SSE over the last 300 points. It smooths bursts away
 * (unlike the naive forecast) and follows a trend at half speed (unlike a line). `season` is
 * ignored. Interval: ± z(level) · one-step RMS · sqrt(1 + (h − 1) α²) (the SES variance).
 * Null with fewer than 3 points or a horizon below 1.
 */
export function theta(series: readonly number[], horizon: number, opts: ForecastOptions = {}): Forecast | null {
  const h = checkedHorizon(horizon);
  if (h === undefined || series.length < 3) return null;
  const ys = series.length > THETA_FIT_POINTS ? series.slice(series.length - THETA_FIT_POINTS) : series;
  const n = ys.length;
  let best = { alpha: ALPHAS[0]!, level: 0, sse: Number.POSITIVE_INFINITY };
  for (const alpha of ALPHAS) {
    const r = runSes(ys, alpha, best.sse);
    if (r.sse < best.sse) best = { alpha, ...r };
  }
  const xm = (n - 1) / 2;
  let ym = 0;
  for (const y of ys) ym += y;
  ym /= n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (i - xm) * (ys[i]! - ym);
    sxx += (i - xm) * (i - xm);
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const a = best.alpha;
  const value = best.level + (slope / 2) * (h - 1 + 1 / a - Math.pow(1 - a, n) / a);
  const s = Number.isFinite(best.sse) ? Math.sqrt(best.sse / Math.max(1, n - 1)) : 0;
  return makeForecast('theta', value, zForLevel(opts.level) * s * Math.sqrt(1 + (h - 1) * a * a), h);
}
