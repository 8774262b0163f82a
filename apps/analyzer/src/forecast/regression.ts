// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./ml-regression.d.ts" />
import { PolynomialRegression } from 'ml-regression';

/**
 * The slope of the least squares line through the origin, y ≈ slope · x (ml-regression's
 * polynomial fit with the single power 1). Undefined with no usable points.
 */
export function slopeThroughOrigin(x: readonly number[], y: readonly number[]): number | undefined {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const a = x[i] as number;
    const b = y[i] as number;
    if (Number.isFinite(a) && Number.isFinite(b) && a !== 0) {
      xs.push(a);
      ys.push(b);
    }
  }
  if (xs.length === 0) return undefined;
  const slope = new PolynomialRegression(xs, ys, [1]).coefficients[0];
  return slope !== undefined && Number.isFinite(slope) ? slope : undefined;
}
