/**
 * How long to wait before the next try after `failures` consecutive failures (1 = the first):
 * `interval · 2^(failures − 1)`, capped at `max`, and never shorter than `interval` (a failing
 * source is never tried more often than a healthy one is sampled).
 */
export function backoffDelay(failures: number, interval: number, max: number): number {
  if (failures <= 0) return 0;
  const cap = Math.max(interval, max);
  // 2^31 is far past any cap; stop doubling before the number loses meaning.
  return Math.min(cap, interval * 2 ** Math.min(failures - 1, 31));
}
