import { checkedHorizon, makeForecast, zForLevel } from './interval.js';
import type { Forecast, ForecastOptions } from './types.js';

/** At most this many trailing points are fitted (keeps the grid search cheap). */
export const DAMPED_FIT_POINTS = 300;

// 20 parameter sets: a series that is refitted on every point costs about 6,000 updates a point.
const ALPHAS = [0.05, 0.2, 0.5, 0.7, 0.9];
const BETAS = [0.02, 0.15];
const PHIS = [0.85, 0.95];

/** Smoothing parameters of the damped trend: level α, trend β, damping φ, each in (0, 1]. */
export interface DampedParams {
  alpha: number;
  beta: number;
  phi: number;
}

/** Σ_{i=1..h} φ^i: how far the damped trend carries h steps ahead (h·φ-ish, at most φ/(1−φ)). */
export function dampedSum(phi: number, h: number): number {
  if (phi >= 1) return h;
  return (phi * (1 - Math.pow(phi, h))) / (1 - phi);
}

/**
 * The state of ETS(A,Ad,N), Gardner & McKenzie's damped-trend exponential smoothing, after a
 * series: level, trend, and the one-step residual RMS.
 *   level' = α y + (1 − α)(level + φ trend)
 *   trend' = β (level' − level) + (1 − β) φ trend
 * Forecast h steps ahead: level + (φ + φ² + … + φ^h) trend; the trend flattens out, so a long
 * horizon is not extrapolated as far as a straight line would.
 */
export function runDamped(ys: readonly number[], p: DampedParams, cutoff = Number.POSITIVE_INFINITY): { level: number; trend: number; sse: number } {
  const k = Math.min(ys.length, 10);
  let level = ys[0]!;
  let trend = k > 1 ? (ys[k - 1]! - ys[0]!) / (k - 1) : 0;
  let sse = 0;
  for (let i = 1; i < ys.length; i++) {
    const y = ys[i]!;
    const e = y - (level + p.phi * trend);
    sse += e * e;
    if (!(sse <= cutoff)) return { level, trend, sse: Number.POSITIVE_INFINITY };
    const next = p.alpha * y + (1 - p.alpha) * (level + p.phi * trend);
    trend = p.beta * (next - level) + (1 - p.beta) * p.phi * trend;
    level = next;
  }
  return { level, trend, sse };
}

/**
 * Damped-trend forecaster, ETS(A,Ad,N) (see {@link runDamped}), fitted by grid search over α, β
 * and φ minimising the one-step SSE over the last 300 points. `season` is ignored. Interval:
 * ± z(level) · one-step RMS · sqrt(h). Null with fewer than 4 points or a horizon below 1.
 */
export function dampedTrend(series: readonly number[], horizon: number, opts: ForecastOptions = {}): Forecast | null {
  const h = checkedHorizon(horizon);
  if (h === undefined || series.length < 4) return null;
  const ys = series.length > DAMPED_FIT_POINTS ? series.slice(series.length - DAMPED_FIT_POINTS) : series;
  let best: { level: number; trend: number; sse: number; phi: number } | undefined;
  for (const alpha of ALPHAS) {
    for (const beta of BETAS) {
      for (const phi of PHIS) {
        const r = runDamped(ys, { alpha, beta, phi }, best?.sse);
        if (best === undefined || r.sse < best.sse) best = { ...r, phi };
      }
    }
  }
  const b = best!;
  const s = Math.sqrt(b.sse / Math.max(1, ys.length - 1));
  return makeForecast('damped-trend', b.level + dampedSum(b.phi, h) * b.trend, zForLevel(opts.level) * s * Math.sqrt(h), h);
}
