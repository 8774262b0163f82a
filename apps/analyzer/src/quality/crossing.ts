import { linearTrend } from '../forecast/linear-trend.js';
import type { Forecast, Forecaster } from '../forecast/types.js';

/**
 * "Will this rate cross its limit soon?" — from a forecast already made (e.g. a forecast
 * insight), or from a short series forecast here (by default a linear trend on the recent
 * window). Pure, no I/O.
 *
 * A value is beyond the limit when it is strictly above it (direction 'above', the default: a
 * null rate, a duplicate rate, a freshness lag) or strictly below it ('below': e.g. a share of
 * valid records).
 */
export type LimitDirection = 'above' | 'below';

/**
 * - 'crossed': the last observed value is already beyond the limit;
 * - 'likely': the point forecast goes beyond it within the horizon;
 * - 'possible': only the prediction interval's outer bound does (upper for 'above', lower for 'below');
 * - 'clear': neither does.
 */
export type CrossingStatus = 'crossed' | 'likely' | 'possible' | 'clear';

/** A crossing forecast. Times are from the last observation, in the horizon's units. */
export interface CrossingEstimate {
  status: CrossingStatus;
  limit: number;
  direction: LimitDirection;
  /** The last observed value. */
  observed: number;
  /** When the point forecast reaches the limit: 0 when crossed, undefined unless 'crossed' or 'likely'. */
  timeToCrossing: number | undefined;
  /** When the interval's outer bound reaches it (the earliest plausible crossing); undefined when 'clear'. */
  earliest: number | undefined;
}

/** The parts of a forecast {@link crossingFromForecast} reads; `horizon` may be steps or ms. */
export type ForecastLike = Pick<Forecast, 'value' | 'lower' | 'upper' | 'horizon'>;

/**
 * Crossing from one forecast at `horizon` and the last observed value. The path in between is
 * taken as linear: the point forecast goes from `observed` (time 0) to `value` (time `horizon`),
 * and so does the outer bound (to `upper`, or `lower` for 'below'), so the time to crossing is
 * horizon · (limit − observed) / (target − observed), for the first path that gets beyond.
 */
export function crossingFromForecast(observed: number, forecast: ForecastLike, limit: number, direction: LimitDirection = 'above'): CrossingEstimate {
  const base = { limit, direction, observed };
  if (beyond(observed, limit, direction)) return { ...base, status: 'crossed', timeToCrossing: 0, earliest: 0 };
  const bound = direction === 'above' ? forecast.upper : forecast.lower;
  const at = (target: number) => (beyond(target, limit, direction) ? (forecast.horizon * (limit - observed)) / (target - observed) : undefined);
  const timeToCrossing = at(forecast.value);
  const earliest = at(bound) ?? timeToCrossing;
  const status = timeToCrossing !== undefined ? 'likely' : earliest !== undefined ? 'possible' : 'clear';
  return { ...base, status, timeToCrossing, earliest };
}

/** Options of {@link forecastCrossing}. */
export interface SeriesCrossingOptions {
  /** Steps ahead to look (a positive integer). */
  horizon: number;
  direction?: LimitDirection;
  /** Forecaster (default: {@link linearTrend} on the last `window` points). */
  forecaster?: Forecaster;
  /** Fitting window of the default linear trend (default 30, at least 3). */
  window?: number;
  /** Prediction interval level (default 0.9). */
  level?: number;
  /** When given, times are in ms (steps × stepMs) instead of steps. */
  stepMs?: number;
}

/** Default fitting window of {@link forecastCrossing}: the recent past of a rate, not its history. */
export const DEFAULT_CROSSING_WINDOW = 30;

/**
 * Crossing from a series of evenly spaced observations: forecasts 1, 2, … `horizon` steps ahead
 * and reports the first step at which the point forecast (→ `timeToCrossing`) and the interval's
 * outer bound (→ `earliest`) are beyond the limit. Non-finite points are dropped first. Undefined
 * when the series is empty or the forecaster has too little data (a linear trend needs 3 points).
 * O(horizon × forecaster cost).
 */
export function forecastCrossing(series: readonly number[], limit: number, opts: SeriesCrossingOptions): CrossingEstimate | undefined {
  const direction = opts.direction ?? 'above';
  const values = series.filter((v) => Number.isFinite(v));
  const observed = values.at(-1);
  if (observed === undefined) return undefined;
  const scale = opts.stepMs !== undefined && opts.stepMs > 0 ? opts.stepMs : 1;
  const base = { limit, direction, observed };
  if (beyond(observed, limit, direction)) return { ...base, status: 'crossed', timeToCrossing: 0, earliest: 0 };

  const window = Math.max(3, Math.floor(opts.window ?? DEFAULT_CROSSING_WINDOW));
  const forecaster: Forecaster = opts.forecaster ?? ((s, h, o) => linearTrend(s, h, { ...o, window }));
  const horizon = Math.floor(opts.horizon);
  let timeToCrossing: number | undefined;
  let earliest: number | undefined;
  for (let k = 1; k <= horizon && timeToCrossing === undefined; k++) {
    const f = forecaster(values, k, opts.level === undefined ? {} : { level: opts.level });
    if (!f) return undefined;
    const bound = direction === 'above' ? f.upper : f.lower;
    if (earliest === undefined && (beyond(bound, limit, direction) || beyond(f.value, limit, direction))) earliest = k * scale;
    if (beyond(f.value, limit, direction)) timeToCrossing = k * scale;
  }
  const status = timeToCrossing !== undefined ? 'likely' : earliest !== undefined ? 'possible' : 'clear';
  return { ...base, status, timeToCrossing, earliest };
}

function beyond(value: number, limit: number, direction: LimitDirection): boolean {
  return direction === 'above' ? value > limit : value < limit;
}
