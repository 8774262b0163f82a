/**
 * One step of an exponentially weighted moving average: `prev` moved toward `x` by `alpha`.
 * With `count` (the number of points so far, this one included) the weight is at least
 * 1 / count, so the first points are averaged plainly instead of being pulled toward the
 * starting value.
 */
export function ewma(prev: number, x: number, alpha: number, count = Number.POSITIVE_INFINITY): number {
  return prev + Math.max(alpha, 1 / count) * (x - prev);
}
