/**
 * Point forecast error measures.
 *
 * - MASE (Hyndman & Koehler 2006): mean |actual − forecast| divided by the in-sample mean absolute
 *   error of the seasonal naive method, mean |y[t] − y[t − m]| over the training part. Below 1 is
 *   better than the in-sample seasonal naive forecast.
 * - sMAPE, in percent (0–200): mean of 200 · |a − f| / (|a| + |f|); a term where both are 0 counts
 *   as 0 (a perfect forecast of nothing).
 */

/** The in-sample seasonal naive MAE: mean |y[t] − y[t − lag]| over the pairs where both are finite. */
export function seasonalNaiveScale(series: ArrayLike<number>, lag: number): number {
  if (!Number.isInteger(lag) || lag < 1) throw new RangeError(`lag must be a positive integer, got ${lag}`);
  let sum = 0;
  let n = 0;
  for (let t = lag; t < series.length; t++) {
    const d = (series[t] as number) - (series[t - lag] as number);
    if (Number.isFinite(d)) {
      sum += Math.abs(d);
      n++;
    }
  }
  return n === 0 ? Number.NaN : sum / n;
}

/** One sMAPE term, percent. */
export function smapeTerm(actual: number, forecast: number): number {
  const den = Math.abs(actual) + Math.abs(forecast);
  return den === 0 ? 0 : (200 * Math.abs(actual - forecast)) / den;
}

/** Accumulates errors of paired actuals and forecasts. */
export class ErrorAccumulator {
  n = 0;
  absSum = 0;
  smapeSum = 0;

  add(actual: number, forecast: number): void {
    if (!Number.isFinite(actual) || !Number.isFinite(forecast)) return;
    this.n++;
    this.absSum += Math.abs(actual - forecast);
    this.smapeSum += smapeTerm(actual, forecast);
  }

  /** Mean absolute error. */
  mae(): number {
    return this.n === 0 ? Number.NaN : this.absSum / this.n;
  }

  /** MASE given the in-sample naive MAE `scale`. */
  mase(scale: number): number {
    return this.mae() / scale;
  }

  /** sMAPE, percent. */
  smape(): number {
    return this.n === 0 ? Number.NaN : this.smapeSum / this.n;
  }
}

/** MASE of whole arrays (see the module comment). */
export function mase(actual: readonly number[], forecast: readonly number[], scale: number): number {
  const acc = new ErrorAccumulator();
  actual.forEach((a, i) => acc.add(a, forecast[i] as number));
  return acc.mase(scale);
}

/** sMAPE of whole arrays, percent. */
export function smape(actual: readonly number[], forecast: readonly number[]): number {
  const acc = new ErrorAccumulator();
  actual.forEach((a, i) => acc.add(a, forecast[i] as number));
  return acc.smape();
}
