/**
 * The one quantile and the one retry delay of awo: every percentile, median and backoff in the
 * agents, the CLI and the benchmarks is one of these (with its definition named by the caller).
 */

/**
 * Which quantile definition. Both are in use on purpose, each where its meaning is wanted:
 * - `linear`: R-7 of Hyndman & Fan (numpy's and spreadsheets' default): at position
 *   h = q·(n − 1) of the sorted values, the value at ⌊h⌋ plus (h − ⌊h⌋) of the step to the next.
 *   A smooth estimate: the monitor's wait percentiles, the analyzer's drift bins and windows,
 *   medians.
 * - `nearest-rank`: the ⌈q·n⌉-th smallest value (the smallest for q = 0): a value that occurred,
 *   the smallest v with at least a share q of the values ≤ v. What an SLO means by "p95 under
 *   target" (the SLO meter, data freshness p95, benchmark latency percentiles).
 */
export type QuantileMethod = 'linear' | 'nearest-rank';

/**
 * The q-quantile (0 ≤ q ≤ 1) of values sorted ascending, by `method` (default `linear`, R-7).
 * NaN for no values; a RangeError for q outside [0, 1] (or NaN).
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number, method: QuantileMethod = 'linear'): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be within [0, 1], got ${q}`);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (method === 'nearest-rank') return sorted[Math.min(n, Math.max(1, Math.ceil(q * n))) - 1] as number;
  const h = q * (n - 1);
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  const b = sorted[Math.ceil(h)] as number;
  return a + (b - a) * (h - lo);
}

/** Several quantiles of unsorted values, sorting once (a numeric sort of a copy). NaN each for no values. */
export function quantiles(values: ArrayLike<number>, qs: readonly number[], method: QuantileMethod = 'linear'): number[] {
  const sorted = Float64Array.from(values).sort();
  return qs.map((q) => quantileSorted(sorted, q, method));
}

/** The q-quantile of unsorted values (see {@link quantileSorted}). */
export function quantile(values: ArrayLike<number>, q: number, method: QuantileMethod = 'linear'): number {
  return quantiles(values, [q], method)[0] as number;
}

/** The median: the `linear` 0.5-quantile (the mean of the two middle values for an even count). NaN for no values. */
export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

/** How retries back off: `initial` before the second try, doubling up to `max`, with or without jitter. */
export interface RetryPolicy {
  /** The delay after the first failure (ms). */
  initial: number;
  /** The longest delay (ms). */
  max: number;
  /**
   * "Equal jitter": a random delay between half the delay and the delay, so many clients that
   * failed together do not retry together.
   */
  jitter?: boolean;
}

/** Redis reconnects: 100 ms doubling to 5 s, with jitter; never give up (daemons). */
export const REDIS_RECONNECT: RetryPolicy = { initial: 100, max: 5000, jitter: true };

/**
 * The delay before the next try after `attempt` consecutive failures (1 = the first):
 * `initial · 2^(attempt − 1)`, at most `max`, halved at random by jitter; 0 before any failure.
 */
export function retryDelay(attempt: number, policy: RetryPolicy = REDIS_RECONNECT): number {
  if (attempt <= 0) return 0;
  // 2^31 is far past any cap; stop doubling before the number loses meaning.
  const delay = Math.min(policy.max, policy.initial * 2 ** Math.min(attempt - 1, 31));
  return policy.jitter ? Math.round(delay / 2 + Math.random() * (delay / 2)) : delay;
}
