/** Options of {@link detectSeason}. */
export interface SeasonOptions {
  /** Smallest candidate lag (default 2). */
  minLag?: number;
  /** Largest candidate lag (default and cap: floor(n / 2)). */
  maxLag?: number;
  /** Minimum autocorrelation of a peak (default 0.3). */
  threshold?: number;
  /** Minimum drop of the autocorrelation between lag 1 and the peak (default 0.1). */
  prominence?: number;
}

/**
 * Sample autocorrelation of `series` at lags 0..maxLag (biased estimator, mean removed).
 * Returns all zeros but lag 0 when the series is constant.
 */
export function autocorrelation(series: readonly number[], maxLag: number): number[] {
  const n = series.length;
  const out = new Array<number>(maxLag + 1).fill(0);
  if (n === 0) return out;
  let mean = 0;
  for (const y of series) mean += y;
  mean /= n;
  const d = series.map((y) => y - mean);
  let c0 = 0;
  for (const v of d) c0 += v * v;
  out[0] = 1;
  if (c0 === 0) return out;
  for (let k = 1; k <= maxLag && k < n; k++) {
    let c = 0;
    for (let t = k; t < n; t++) c += d[t]! * d[t - k]!;
    out[k] = c / c0;
  }
  return out;
}

/** The series minus its least-squares line (so a trend does not look like a long season). */
function detrend(series: readonly number[]): number[] {
  const n = series.length;
  const xm = (n - 1) / 2;
  let ym = 0;
  for (const y of series) ym += y;
  ym /= n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (i - xm) * (series[i]! - ym);
    sxx += (i - xm) * (i - xm);
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return series.map((y, i) => y - ym - slope * (i - xm));
}

/** Mean autocorrelation at k, 2k, 3k (those within the computed lags): high for a true period. */
function harmonicScore(acf: readonly number[], k: number): number {
  let sum = 0;
  let count = 0;
  for (let j = 1; j <= 3 && j * k < acf.length; j++) {
    sum += acf[j * k]!;
    count++;
  }
  return count === 0 ? Number.NEGATIVE_INFINITY : sum / count;
}

/**
 * Detects the dominant season length of a series. The autocorrelation is taken after removing a
 * linear trend (so a trend does not look like a long season). Candidates are lags in
 * [minLag, maxLag] where it has a local maximum above `threshold` that rises at least
 * `prominence` above the lowest value at smaller lags. Each candidate and its close neighbours
 * (±5%, at least ±1, since noise can shift a peak by a lag) are ranked by the mean
 * autocorrelation at k, 2k and 3k, which favours the true period over near misses and over
 * harmonics. Returns undefined when there is no candidate (or fewer than 2·minLag points).
 * Cost O(n²/2) at most (autocorrelation up to lag n/2).
 */
export function detectSeason(series: readonly number[], opts: SeasonOptions = {}): number | undefined {
  const n = series.length;
  const minLag = Math.max(2, Math.floor(opts.minLag ?? 2));
  const maxLag = Math.min(Math.floor(opts.maxLag ?? n / 2), Math.floor(n / 2));
  const threshold = opts.threshold ?? 0.3;
  const prominence = opts.prominence ?? 0.1;
  if (maxLag < minLag) return undefined;
  const acf = autocorrelation(detrend(series), Math.max(maxLag + 1, Math.min(3 * maxLag, Math.floor(n / 2))));
  let best: number | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  let trough = Number.POSITIVE_INFINITY;
  for (let k = 1; k <= maxLag; k++) {
    const r = acf[k]!;
    if (k >= minLag && r > threshold && r > acf[k - 1]! && r >= acf[k + 1]! && r - trough >= prominence) {
      const spread = Math.max(1, Math.round(0.05 * k));
      for (let c = Math.max(minLag, k - spread); c <= Math.min(maxLag, k + spread); c++) {
        const score = harmonicScore(acf, c);
        if (score > bestScore) {
          bestScore = score;
          best = c;
        }
      }
    }
    trough = Math.min(trough, r);
  }
  return best;
}
