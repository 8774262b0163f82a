import { quiet, scoreFromZ } from './types.js';
import { SlidingMax } from './window-stats.js';
import type { Detection, Detector, Statistic } from './types.js';

/** Options of {@link RecordDetector}. */
export interface RecordOptions {
  /** How many earlier values of the statistic a point must beat to be a record (default 6000). */
  horizon?: number;
  /** Values of the statistic needed before scoring; until then score 0 (default 100). */
  minPoints?: number;
  /**
   * Record ratio above which a point is anomalous (default 1: any record). A margin such as 1.05
   * silences near-repeats of a past event but, on NAB, costs about 3 points (76.5 instead of 79.6).
   */
  threshold?: number;
}

/**
 * Turns a deviation {@link Statistic} into a detector that needs no scale and no distribution:
 * a point is anomalous when its |statistic| is a record, larger than every value of the last
 * `horizon` points. `raw` is the record ratio r = |s| / max of those earlier values (r > 1 is a
 * record; a first deviation after a perfectly flat stretch counts as r = 10), `threshold` is 1 by
 * default and `score = scoreFromZ(r, threshold)`, so score > 0.5 exactly when anomalous.
 *
 * Being relative to the series' own history, one threshold suits series of any scale and
 * noisiness: heavy-tailed series need a bigger spike than they have ever had, near-deterministic
 * ones only a clear break. Because the horizon is long (weeks of 5-minute points), a repeat of a
 * past event is not a record; an event bigger than anything in that time is. Amortised O(1) per
 * point plus the statistic's own cost; at most `horizon` values kept.
 */
export class RecordDetector implements Detector {
  readonly method: string;
  readonly threshold: number;
  private readonly statistic: Statistic;
  private readonly past: SlidingMax;
  private readonly minPoints: number;

  constructor(statistic: Statistic, opts: RecordOptions = {}) {
    this.statistic = statistic;
    this.method = `record:${statistic.name}`;
    this.past = new SlidingMax(Math.max(1, Math.floor(opts.horizon ?? 6000)));
    this.minPoints = Math.max(1, Math.floor(opts.minPoints ?? 100));
    const threshold = opts.threshold ?? 1;
    this.threshold = Number.isFinite(threshold) && threshold > 0 ? threshold : 1;
  }

  /** Feeds the point to the statistic and scores its value against the horizon, then remembers it. */
  update(value: number, timestamp?: number): Detection {
    const s = this.statistic.next(value, timestamp);
    if (s === undefined || !Number.isFinite(s)) return quiet(this.method, this.threshold);
    const d = Math.abs(s);
    const before = this.past.max();
    const seen = this.past.count;
    this.past.push(d);
    if (seen < this.minPoints) return quiet(this.method, this.threshold);
    const r = before > 0 ? d / before : d > 0 ? 10 : 0;
    return { method: this.method, score: scoreFromZ(r, this.threshold), raw: r, threshold: this.threshold, anomalous: r > this.threshold };
  }
}
