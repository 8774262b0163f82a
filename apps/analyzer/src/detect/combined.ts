import { DailyProfile } from './daily-profile.js';
import { RecordDetector } from './record.js';
import { LevelShift, VolatilityRise } from './statistics.js';
import type { Detection, Detector } from './types.js';

/** Default quiet points between two alerts of a {@link CombinedDetector}. */
export const DEFAULT_SUPPRESS = 35;

/** Options of {@link CombinedDetector}. */
export interface CombinedOptions {
  /** Detectors to combine (default: {@link defaultDetectors}). */
  detectors?: Detector[];
  /**
   * Quiet points needed after an alert before the next one may fire (default 35; 0 = off).
   * Until then every point reports score 0 and is not anomalous.
   */
  suppress?: number;
}

/** Options of {@link defaultDetectors}. */
export interface DefaultDetectorOptions {
  /** Points of history a deviation must beat to alert (default 6000: about 3 weeks of 5-minute points). */
  horizon?: number;
  /** Points each detector learns before it may alert (default 100). */
  minPoints?: number;
}

/**
 * The default set: five deviation statistics, each made a {@link RecordDetector} (anomalous when
 * the deviation is bigger than any in the last `horizon` points):
 * - {@link DailyProfile}: the point against this time of day on earlier days (spikes, dips, a
 *   missing or changed daily pattern; needs timestamps),
 * - {@link LevelShift} of one point against the median of the 50 before (spikes, also without
 *   timestamps),
 * - {@link LevelShift} mean of the last 24 points against the median of the 200 before (bursts,
 *   shifts, big spikes; works without timestamps),
 * - {@link LevelShift} median of the last 12 points against the median of the 200 before (level
 *   shifts, blind to isolated spikes),
 * - {@link VolatilityRise} over 12 against 200 steps (a series starting to oscillate).
 * Chosen on the NAB benchmark (bench/src/nab-bench.ts). Without timestamps the daily profile is
 * silent and the others still work (NAB standard score about 74 instead of 79.6). Together they
 * cost O(200) per point and keep O(horizon) numbers.
 */
export function defaultDetectors(opts: DefaultDetectorOptions = {}): Detector[] {
  const record = { horizon: opts.horizon ?? 6000, minPoints: opts.minPoints ?? 100 };
  return [
    new RecordDetector(new DailyProfile({ buckets: 96, alpha: 0.15 }), record),
    new RecordDetector(new LevelShift({ recent: 1, baseline: 50, name: 'spike' }), record),
    new RecordDetector(new LevelShift({ recent: 24, baseline: 200, summary: 'mean' }), record),
    new RecordDetector(new LevelShift({ recent: 12, baseline: 200, summary: 'median' }), record),
    new RecordDetector(new VolatilityRise({ recent: 12, baseline: 200 }), record),
  ];
}

/** A combined detection also names the detector with the highest score. */
export interface CombinedDetection extends Detection {
  /** Method of the detector that gave the highest score. */
  by: string;
}

/**
 * Combines detectors by taking the highest score (every detector maps its threshold to 0.5, so
 * the scores are comparable); anomalous when any detector is. `raw` is that highest score and
 * `threshold` is 0.5.
 *
 * Alerts are per episode: after an alert, points are suppressed (score 0, not anomalous) until
 * `suppress` consecutive points pass on which no detector is anomalous. A level shift, which
 * keeps a window-based detector firing for many points, thus yields one alert; this keeps false
 * positives low in scoring schemes such as NAB's, which count only the first detection in a
 * window and penalise the rest. The detectors keep learning during suppression.
 */
export class CombinedDetector implements Detector {
  readonly method = 'combined';
  readonly threshold = 0.5;
  private readonly detectors: Detector[];
  private readonly suppress: number;
  private inEpisode = false;
  private quietRun = 0;

  constructor(opts: CombinedOptions = {}) {
    this.detectors = opts.detectors ?? defaultDetectors();
    if (this.detectors.length === 0) throw new RangeError('CombinedDetector needs at least one detector');
    this.suppress = Math.max(0, Math.floor(opts.suppress ?? DEFAULT_SUPPRESS));
  }

  /** Feeds the point to every detector and combines their detections. */
  update(value: number, timestamp?: number): CombinedDetection {
    let top: Detection | undefined;
    let anomalous = false;
    for (const d of this.detectors) {
      const r = d.update(value, timestamp);
      if (top === undefined || r.score > top.score) top = r;
      anomalous ||= r.anomalous;
    }
    const best = top!;
    const result: CombinedDetection = {
      method: this.method,
      score: best.score,
      raw: best.score,
      threshold: this.threshold,
      anomalous,
      by: best.method,
    };
    if (this.inEpisode) {
      this.quietRun = anomalous ? 0 : this.quietRun + 1;
      if (this.quietRun >= this.suppress) this.inEpisode = false;
      result.score = 0;
      result.anomalous = false;
    } else if (anomalous && this.suppress > 0) {
      this.inEpisode = true;
      this.quietRun = 0;
    }
    return result;
  }
}

/**
 * The analyzer's default anomaly detector, the one the NAB benchmark measures:
 * {@link CombinedDetector} over {@link defaultDetectors}, with its default suppression. Feed it
 * the points' timestamps (epoch ms): the daily-profile detector needs them.
 */
export function createDefaultDetector(opts: DefaultDetectorOptions = {}): CombinedDetector {
  return new CombinedDetector({ detectors: defaultDetectors(opts) });
}
