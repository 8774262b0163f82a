import { checkedHorizon, checkedSeason, makeForecast, rmsDifference, zForLevel } from './interval.js';
import type { Forecast, ForecastOptions } from './types.js';

/**
 * Seasonal naive forecast: the value observed one season before the target,
 * `y[n - season + ((h - 1) mod season)]`.
 *
 * Without a season (or with fewer than `season` points) it is the naive forecast, the last value
 * (model name `naive`).
 *
 * Interval: ± z(level) · s · sqrt(ceil(h / season)), where s is the root mean square of the
 * seasonal differences y[t] − y[t − season] over the whole series (the in-sample error of the
 * method; taken around zero rather than around their mean, so a drift widens the interval).
 * The naive fallback uses first differences and sqrt(h).
 *
 * Returns null for an empty series or a horizon below 1.
 */
export function seasonalNaive(
  series: readonly number[],
  horizon: number,
  opts: ForecastOptions = {},
): Forecast | null {
  const n = series.length;
  const h = checkedHorizon(horizon);
  if (h === undefined || n === 0) return null;
  const z = zForLevel(opts.level);
  const m = checkedSeason(opts.season);
  if (m !== undefined && n >= m) {
    const value = series[n - m + ((h - 1) % m)]!;
    const s = rmsDifference(series, m);
    return makeForecast('seasonal-naive', value, z * s * Math.sqrt(Math.ceil(h / m)), h);
  }
  const value = series[n - 1]!;
  const s = rmsDifference(series, 1);
  return makeForecast('naive', value, z * s * Math.sqrt(h), h);
}
