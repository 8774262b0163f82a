/** A point forecast with a prediction interval. */
export interface Forecast {
  /** Name of the model that produced it. */
  model: string;
  /** Point forecast. */
  value: number;
  /** Lower bound of the prediction interval (always <= value). */
  lower: number;
  /** Upper bound of the prediction interval (always >= value). */
  upper: number;
  /** Steps ahead of the last observation. */
  horizon: number;
}

/** Options shared by every forecaster. */
export interface ForecastOptions {
  /** Season length in steps (e.g. 24 for hourly data with a daily cycle). */
  season?: number;
  /** Prediction interval level in (0, 1); default 0.9. */
  level?: number;
}

/**
 * Forecasts `horizon` steps past the end of `series`.
 * Returns null when there is not enough data.
 */
export type Forecaster = (
  series: readonly number[],
  horizon: number,
  opts?: ForecastOptions,
) => Forecast | null;
