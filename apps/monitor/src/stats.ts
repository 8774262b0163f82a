import { quantiles } from '@awo/shared';

/**
 * The q-quantile (0 ≤ q ≤ 1) of values, interpolating linearly between the two nearest ranks
 * (the "R-7" definition used by numpy and spreadsheets: the shared `quantile`). Undefined for no values.
 */
export function percentile(values: readonly number[], q: number): number | undefined {
  return percentiles(values, [q])[0];
}

/** Several quantiles of the same values, sorting once. */
export function percentiles(values: readonly number[], qs: readonly number[]): (number | undefined)[] {
  if (values.length === 0) return qs.map(() => undefined);
  return quantiles(values, qs, 'linear');
}
