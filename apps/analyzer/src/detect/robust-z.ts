import { median, medianAbsoluteDeviation } from 'simple-statistics';
import { Ring } from '../forecast/ring.js';
import { detection, quiet, spreadFloor } from './types.js';
import type { Detection, Detector } from './types.js';

/** Options of {@link RobustZDetector}. */
export interface RobustZOptions {
  /** Number of previous values the point is compared with (default 100). */
  window?: number;
  /** |z| above which a point is anomalous (default 3.5, the usual modified z-score cut-off). */
  threshold?: number;
  /** Previous values needed before scoring; until then score 0 (default 20, at most window). */
  minPoints?: number;
}

/**
 * Robust (modified) z-score of each point against the previous W values, excluding itself:
 * z = 0.6745 · (x − median) / MAD.
 * When MAD is 0 (more than half the window identical) the spread falls back to the mean absolute
 * deviation from the median (/0.7979, its ratio to σ for normal data); when that is 0 too (a flat
 * window), to a tiny floor, so flat-and-staying-flat scores 0 and any change scores ~1.
 */
export class RobustZDetector implements Detector {
  readonly method = 'robust-z';
  readonly threshold: number;
  private readonly history: Ring;
  private readonly minPoints: number;

  constructor(opts: RobustZOptions = {}) {
    const window = Math.max(3, Math.floor(opts.window ?? 100));
    this.threshold = opts.threshold ?? 3.5;
    this.minPoints = Math.min(window, Math.max(3, Math.floor(opts.minPoints ?? 20)));
    this.history = new Ring(window);
  }

  /** Scores `value` against the window, then adds it. Non-finite values score 0 and are skipped. */
  update(value: number, _timestamp?: number): Detection {
    if (!Number.isFinite(value)) return quiet(this.method, this.threshold);
    if (this.history.length < this.minPoints) {
      this.history.push(value);
      return quiet(this.method, this.threshold);
    }
    const xs = this.history.toArray();
    const centre = median(xs);
    let sigma = medianAbsoluteDeviation(xs) / 0.6745;
    if (sigma === 0) {
      let sum = 0;
      for (const x of xs) sum += Math.abs(x - centre);
      sigma = sum / xs.length / 0.7979;
    }
    if (sigma === 0) sigma = spreadFloor(centre);
    this.history.push(value);
    return detection(this.method, (value - centre) / sigma, this.threshold);
  }
}
