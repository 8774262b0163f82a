/**
 * The q-quantile (0 ≤ q ≤ 1) of values, interpolating linearly between the two nearest ranks
 * (the "R-7" definition used by numpy and spreadsheets). Undefined for no values.
 */
export function percentile(values: readonly number[], q: number): number | undefined {
  return percentiles(values, [q])[0];
}

/** Several quantiles of the same values, sorting once. */
export function percentiles(values: readonly number[], qs: readonly number[]): (number | undefined)[] {
  if (values.length === 0) return qs.map(() => undefined);
  const sorted = Float64Array.from(values).sort();
  return qs.map((q) => {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be within [0, 1], got ${q}`);
    const rank = q * (sorted.length - 1);
    const lo = Math.floor(rank);
    const hi = Math.ceil(rank);
    const a = sorted[lo] as number;
    const b = sorted[hi] as number;
    return a + (b - a) * (rank - lo);
  });
}
