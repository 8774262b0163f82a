import { detection, quiet, spreadFloor } from './types.js';
import type { Detection, Detector } from './types.js';
import { ewma } from './smoothing.js';

/** Squared first differences are capped at this multiple of the long-term variance (4 sd). */
const CLIP = 16;

/** Options of {@link VarianceShiftDetector}. */
export interface VarianceShiftOptions {
  /** Weight of the short-term variance (default 0.1, about 20 points). */
  fast?: number;
  /** Weight of the long-term variance (default 0.01, about 200 points). */
  slow?: number;
  /** Threshold on |ln(short / long)| (default ln 5 ≈ 1.61: a 5× rise or fall of the variance). */
  threshold?: number;
  /** Points needed before scoring; until then score 0 (default 50). */
  minPoints?: number;
}

/**
 * Change of variability: the log ratio of a short-term to a long-term exponentially weighted mean
 * of squared first differences. First differences ignore the level, so this reacts to noise
 * becoming larger or smaller (including a signal going flat), which spike and level detectors miss.
 * raw = ln(short / long), positive when the series got noisier. After warm-up each squared
 * difference is capped at 16× the long-term variance (4 sd, Huber-like), so isolated spikes and steps
 * are left to the other detectors.
 */
export class VarianceShiftDetector implements Detector {
  readonly method = 'variance-shift';
  readonly threshold: number;
  private readonly fast: number;
  private readonly slow: number;
  private readonly minPoints: number;
  private shortVar = 0;
  private longVar = 0;
  private previous: number | undefined;
  private count = 0;

  constructor(opts: VarianceShiftOptions = {}) {
    this.fast = opts.fast ?? 0.1;
    this.slow = opts.slow ?? 0.01;
    this.threshold = opts.threshold ?? Math.log(5);
    this.minPoints = Math.max(3, Math.floor(opts.minPoints ?? 50));
  }

  /** Updates both variances with this point's difference and scores their ratio. */
  update(value: number, _timestamp?: number): Detection {
    if (!Number.isFinite(value)) return quiet(this.method, this.threshold);
    const previous = this.previous;
    this.previous = value;
    if (previous === undefined) return quiet(this.method, this.threshold);
    this.count++;
    const warm = this.count > this.minPoints;
    const floor = spreadFloor(value) ** 2;
    // After warm-up a difference counts at most as 4 long-term sd (squared: 16×), so a single spike
    // or step neither looks like a burst of noise nor, later, like the noise dying down.
    const raw2 = (value - previous) ** 2;
    const d2 = warm ? Math.min(raw2, CLIP * Math.max(this.longVar, floor)) : raw2;
    // The short-term estimate is compared before the long-term one absorbs this point.
    const shortVar = ewma(this.shortVar, d2, this.fast, this.count);
    const longVar = this.longVar;
    this.shortVar = shortVar;
    this.longVar = ewma(this.longVar, d2, this.slow, this.count);
    if (!warm) return quiet(this.method, this.threshold);
    const raw = Math.log(Math.max(shortVar, floor) / Math.max(longVar, floor));
    return detection(this.method, raw, this.threshold);
  }
}
