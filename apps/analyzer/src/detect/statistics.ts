import { Ring } from '../forecast/ring.js';
import { SortedWindow } from './window-stats.js';
import type { Statistic } from './types.js';

/** Options of {@link LevelShift}. */
export interface LevelShiftOptions {
  /** Points summarised as "now" (default 24). */
  recent?: number;
  /** Points before them that form the baseline (default 200). */
  baseline?: number;
  /** How "now" is summarised: 'mean' reacts to bursts and big spikes, 'median' ignores isolated spikes (default 'mean'). */
  summary?: 'mean' | 'median';
  /** Baseline points needed before the statistic is given (default 10, at most `baseline`). */
  minBaseline?: number;
  /** Name (default 'mean-shift' or 'median-shift'). */
  name?: string;
}

/**
 * Level shift: the mean (or median) of the last `recent` points minus the median of the
 * `baseline` points before them, in the series' units. The two windows do not overlap, so a
 * shift shows at full size once `recent` points have passed, and a spike counts 1/`recent` in the
 * mean and not at all in the median. With `recent: 1` it is the spike of the newest point against
 * the median before it. O(baseline) per point.
 */
export class LevelShift implements Statistic {
  readonly name: string;
  private readonly useMedian: boolean;
  private readonly minBaseline: number;
  /** The last `recent` points; the one a new point pushes out moves into the baseline. */
  private readonly fifo: Ring;
  private sum = 0;
  private readonly recentSorted: SortedWindow | undefined;
  private readonly base: SortedWindow;

  constructor(opts: LevelShiftOptions = {}) {
    const recent = Math.max(1, Math.floor(opts.recent ?? 24));
    const baseline = Math.max(1, Math.floor(opts.baseline ?? 200));
    this.useMedian = opts.summary === 'median';
    this.name = opts.name ?? (this.useMedian ? 'median-shift' : 'mean-shift');
    this.minBaseline = Math.min(baseline, Math.max(1, Math.floor(opts.minBaseline ?? 10)));
    this.fifo = new Ring(recent);
    this.recentSorted = this.useMedian ? new SortedWindow(recent) : undefined;
    this.base = new SortedWindow(baseline);
  }

  next(value: number, _timestamp?: number): number | undefined {
    if (!Number.isFinite(value)) return undefined;
    const old = this.fifo.push(value);
    if (old !== undefined) {
      this.sum -= old;
      this.base.push(old);
    }
    this.sum += value;
    this.recentSorted?.push(value);
    if (this.base.length < this.minBaseline) return undefined;
    const now = this.recentSorted ? this.recentSorted.median() : this.sum / this.fifo.length;
    return now - this.base.median();
  }
}

/** Options of {@link VolatilityRise}. */
export interface VolatilityRiseOptions {
  /** Differences summarised as "now" (default 12). */
  recent?: number;
  /** Differences before them that form the baseline (default 200). */
  baseline?: number;
  /** Baseline differences needed before the statistic is given (default 10, at most `baseline`). */
  minBaseline?: number;
}

/**
 * Rise in volatility: ln(median |Δx| of the last `recent` steps / median |Δx| of the `baseline`
 * steps before them), and 0 when volatility fell. Medians of absolute first differences ignore the
 * level and isolated spikes, so this reacts to a series starting to oscillate or get noisier.
 * O(baseline) per point.
 */
export class VolatilityRise implements Statistic {
  readonly name = 'volatility-rise';
  private readonly minBaseline: number;
  private readonly recent: SortedWindow;
  /** The last `recent` steps, in order; the one a new step pushes out moves into the baseline. */
  private readonly fifo: Ring;
  private readonly base: SortedWindow;
  private previous: number | undefined;

  constructor(opts: VolatilityRiseOptions = {}) {
    const recent = Math.max(1, Math.floor(opts.recent ?? 12));
    const baseline = Math.max(1, Math.floor(opts.baseline ?? 200));
    this.minBaseline = Math.min(baseline, Math.max(1, Math.floor(opts.minBaseline ?? 10)));
    this.recent = new SortedWindow(recent);
    this.fifo = new Ring(recent);
    this.base = new SortedWindow(baseline);
  }

  next(value: number, _timestamp?: number): number | undefined {
    if (!Number.isFinite(value)) return undefined;
    const previous = this.previous;
    this.previous = value;
    if (previous === undefined) return undefined;
    const step = Math.abs(value - previous);
    const old = this.fifo.push(step);
    if (old !== undefined) this.base.push(old);
    this.recent.push(step);
    if (this.base.length < this.minBaseline) return undefined;
    // A small floor relative to the level keeps a flat baseline from dividing by zero.
    const eps = 1e-9 * (1 + Math.abs(value));
    return Math.max(0, Math.log((this.recent.median() + eps) / (this.base.median() + eps)));
  }
}
