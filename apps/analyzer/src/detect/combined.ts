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

/**
 * The tunable parameters of the default detector (see {@link defaultDetectors}). Every one is
 * chosen by the cross-validated search of `npm run bench -- nab` (leave-one-category-out over
 * NAB's categories; docs/benchmarks.md gives the procedure and the figures).
 */
export interface DetectorParams {
  /** Points of history a deviation must beat to alert (about 3 weeks of 5-minute points). */
  horizon: number;
  /** Points each detector learns before it may alert. */
  minPoints: number;
  /** Quiet points needed after an alert before the next one may fire. */
  suppress: number;
  /** Weight of the newest day in the daily profile. */
  dailyAlpha: number;
  /** Points of the median the spike detector compares one point with. */
  spikeBaseline: number;
  /** Points of the mean-shift detector's "now" (bursts). */
  meanRecent: number;
  /** Points of the median-shift detector's "now" (level shifts). */
  medianRecent: number;
  /** Baseline of the shift and volatility detectors. */
  shiftBaseline: number;
  /** Record ratio a deviation must exceed (1: any record). */
  recordThreshold: number;
  /** 1: also a weekly profile (the point against this hour of the week on earlier weeks); 0: none. */
  weeklyProfile: number;
}

/** The defaults: what the cross-validated search on NAB chose (docs/benchmarks.md, "nab"). */
export const DEFAULT_DETECTOR_PARAMS: Readonly<DetectorParams> = Object.freeze({
  horizon: 4500,
  minPoints: 200,
  suppress: DEFAULT_SUPPRESS,
  dailyAlpha: 0.15,
  spikeBaseline: 100,
  meanRecent: 24,
  medianRecent: 12,
  shiftBaseline: 200,
  recordThreshold: 1,
  weeklyProfile: 0,
});

/** Options of {@link defaultDetectors}: any of {@link DetectorParams}, the rest from the defaults. */
export type DefaultDetectorOptions = Partial<DetectorParams>;

/** The parameters with every field present and in range (a bad value is refused, naming it). */
export function detectorParams(opts: DefaultDetectorOptions = {}): DetectorParams {
  const p = { ...DEFAULT_DETECTOR_PARAMS, ...opts };
  for (const [k, v] of Object.entries(p)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`detector parameter ${k} must be a finite number >= 0, got ${String(v)}`);
  }
  if (p.dailyAlpha <= 0 || p.dailyAlpha > 1) throw new RangeError(`detector parameter dailyAlpha must be in (0, 1], got ${p.dailyAlpha}`);
  if (p.recordThreshold <= 0) throw new RangeError(`detector parameter recordThreshold must be > 0, got ${p.recordThreshold}`);
  return p;
}

/**
 * The default set: five deviation statistics, each made a {@link RecordDetector} (anomalous when
 * the deviation is bigger than any in the last `horizon` points):
 * - {@link DailyProfile}: the point against this time of day on earlier days (spikes, dips, a
 *   missing or changed daily pattern; needs timestamps),
 * - {@link LevelShift} of one point against the median of the `spikeBaseline` before (spikes, also
 *   without timestamps),
 * - {@link LevelShift} mean of the last `meanRecent` points against the median of the
 *   `shiftBaseline` before (bursts, shifts, big spikes; works without timestamps),
 * - {@link LevelShift} median of the last `medianRecent` points against the median of the
 *   `shiftBaseline` before (level shifts, blind to isolated spikes),
 * - {@link VolatilityRise} over 12 against `shiftBaseline` steps (a series starting to oscillate).
 * Without timestamps the daily profile is silent and the others still work. Together they cost
 * O(shiftBaseline) per point and keep O(horizon) numbers.
 */
export function defaultDetectors(opts: DefaultDetectorOptions = {}): Detector[] {
  const p = detectorParams(opts);
  const record = { horizon: p.horizon, minPoints: p.minPoints, threshold: p.recordThreshold };
  const weekly = p.weeklyProfile >= 0.5 ? [new RecordDetector(new DailyProfile({ buckets: 168, alpha: p.dailyAlpha, periodMs: 7 * 86_400_000, name: 'weekly-profile' }), record)] : [];
  return [
    ...weekly,
    new RecordDetector(new DailyProfile({ buckets: 96, alpha: p.dailyAlpha }), record),
    new RecordDetector(new LevelShift({ recent: 1, baseline: p.spikeBaseline, name: 'spike' }), record),
    new RecordDetector(new LevelShift({ recent: p.meanRecent, baseline: p.shiftBaseline, summary: 'mean' }), record),
    new RecordDetector(new LevelShift({ recent: p.medianRecent, baseline: p.shiftBaseline, summary: 'median' }), record),
    new RecordDetector(new VolatilityRise({ recent: 12, baseline: p.shiftBaseline }), record),
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
  return new CombinedDetector({ detectors: defaultDetectors(opts), suppress: detectorParams(opts).suppress });
}
