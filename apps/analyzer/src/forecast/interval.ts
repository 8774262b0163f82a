import type { Forecast } from './types.js';

/** Default prediction interval level. */
export const DEFAULT_LEVEL = 0.9;

function checkedLevel(level: number | undefined): number {
  return level !== undefined && Number.isFinite(level) && level > 0 && level < 1 ? level : DEFAULT_LEVEL;
}

/**
 * Standard normal quantile (inverse CDF) by Acklam's rational approximation, relative error
 * below 1.2e-9 (simple-statistics' probit is only good to about 1e-3).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? Number.NEGATIVE_INFINITY : p === 1 ? Number.POSITIVE_INFINITY : Number.NaN;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
    ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/**
 * Two-sided standard normal quantile for an interval level: zForLevel(0.9) ≈ 1.645.
 * Levels outside (0, 1) fall back to the default 0.9.
 */
export function zForLevel(level?: number): number {
  return normalQuantile(0.5 + checkedLevel(level) / 2);
}

/**
 * Two-sided Student-t quantile for an interval level and `dof` degrees of freedom.
 * Exact for dof 1 and 2, Cornish–Fisher expansion (Abramowitz & Stegun 26.7.5) above,
 * accurate to about 1e-3 from dof 3 on.
 */
export function tForLevel(level: number | undefined, dof: number): number {
  const p = 0.5 + checkedLevel(level) / 2;
  if (!(dof >= 1)) return Number.POSITIVE_INFINITY;
  if (dof === 1) return Math.tan(Math.PI * (p - 0.5));
  if (dof === 2) return (2 * p - 1) / Math.sqrt(2 * p * (1 - p));
  const z = normalQuantile(p);
  const z2 = z * z;
  const z3 = z2 * z;
  const z5 = z3 * z2;
  const z7 = z5 * z2;
  const z9 = z7 * z2;
  const g1 = (z3 + z) / 4;
  const g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
  const g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
  const g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160;
  const v = dof;
  return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v);
}

/**
 * Builds a symmetric interval forecast. A non-finite or negative half-width becomes 0,
 * so that lower <= value <= upper always holds for a finite value.
 */
export function makeForecast(model: string, value: number, halfWidth: number, horizon: number): Forecast {
  const w = Number.isFinite(halfWidth) && halfWidth > 0 ? halfWidth : 0;
  return { model, value, lower: value - w, upper: value + w, horizon };
}

/**
 * Root mean square of the lag-`lag` differences y[t] - y[t-lag], i.e. the error
 * standard deviation of a (seasonal) naive forecast; 0 when there is no pair.
 */
export function rmsDifference(series: readonly number[], lag: number): number {
  let sum = 0;
  let count = 0;
  for (let t = lag; t < series.length; t++) {
    const d = series[t]! - series[t - lag]!;
    sum += d * d;
    count++;
  }
  return count === 0 ? 0 : Math.sqrt(sum / count);
}

/** The horizon as a positive integer (rounded), or undefined when it is not a finite number >= 1. */
export function checkedHorizon(horizon: number): number | undefined {
  if (!Number.isFinite(horizon) || horizon < 1) return undefined;
  return Math.round(horizon);
}

/** The season as an integer >= 2, or undefined when absent or meaningless. */
export function checkedSeason(season: number | undefined): number | undefined {
  if (season === undefined || !Number.isFinite(season)) return undefined;
  const m = Math.round(season);
  return m >= 2 ? m : undefined;
}
