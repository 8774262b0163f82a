import { detection, quiet, spreadFloor } from './types.js';
import type { Detection, Detector } from './types.js';
import { ewma } from './smoothing.js';

/** Options of {@link EwmaDetector}. */
export interface EwmaOptions {
  /** Smoothing weight of the mean, in (0, 1] (default 0.1, memory of about 1/λ points). */
  lambda?: number;
  /** Smoothing weight of the variance (default 0.02: a slower, steadier estimate than the mean). */
  varianceLambda?: number;
  /** Control limit L, in standard deviations (default 3). */
  threshold?: number;
  /** Points needed before scoring; until then score 0 (default 20). */
  minPoints?: number;
}

/**
 * EWMA control band: an exponentially weighted mean and variance of the series; each point is
 * compared with the band before it, z = (x − mean) / sd, anomalous when |z| > L.
 * (This is the one-step-ahead "EWMA band" form used in monitoring, not the classic chart on the
 * smoothed statistic: it reacts to spikes and to the first points of a level shift, then adapts.)
 * The first points use weight max(λ, 1/k), i.e. a plain running mean and variance, so the
 * estimates are sound by the end of the warm-up. After warm-up the deviation the variance learns
 * from is capped at L sd, so one spike or a level shift does not blind the band for long (the
 * mean still adapts fully). On Gaussian noise the defaults flag about 0.4% of points.
 */
export class EwmaDetector implements Detector {
  readonly method = 'ewma';
  readonly threshold: number;
  private readonly lambda: number;
  private readonly varianceLambda: number;
  private readonly minPoints: number;
  private mean = 0;
  private variance = 0;
  private count = 0;

  constructor(opts: EwmaOptions = {}) {
    this.lambda = clampWeight(opts.lambda ?? 0.1);
    this.varianceLambda = clampWeight(opts.varianceLambda ?? 0.02);
    this.threshold = opts.threshold ?? 3;
    this.minPoints = Math.max(2, Math.floor(opts.minPoints ?? 20));
  }

  /** Scores `value` against the current band, then updates it. Non-finite values are skipped. */
  update(value: number, _timestamp?: number): Detection {
    if (!Number.isFinite(value)) return quiet(this.method, this.threshold);
    let result: Detection;
    let dv = value - this.mean;
    if (this.count < this.minPoints) {
      result = quiet(this.method, this.threshold);
    } else {
      const sd = this.variance > 0 ? Math.sqrt(this.variance) : spreadFloor(this.mean);
      result = detection(this.method, dv / sd, this.threshold);
      // Winsorise what the variance learns: a spike or a shift must not blind the band.
      const cap = this.threshold * sd;
      dv = Math.max(-cap, Math.min(cap, dv));
    }
    this.count++;
    const b = Math.max(this.varianceLambda, 1 / this.count);
    this.mean = ewma(this.mean, value, this.lambda, this.count);
    this.variance = (1 - b) * (this.variance + b * dv * dv);
    return result;
  }
}

function clampWeight(w: number): number {
  return Number.isFinite(w) ? Math.min(1, Math.max(1e-6, w)) : 0.1;
}
