/** Result of feeding one point to a streaming detector. */
export interface Detection {
  /** Detector name, e.g. 'robust-z'. */
  method: string;
  /** Anomaly score in [0, 1], higher = more anomalous; 0.5 corresponds to the threshold. */
  score: number;
  /** The detector's own statistic, e.g. the z value (signed). */
  raw: number;
  /** Threshold on |raw| above which the point is anomalous. */
  threshold: number;
  /** Whether |raw| exceeded the threshold (always false during warm-up). */
  anomalous: boolean;
}

/** A streaming anomaly detector: sees each point once, in order, with no look-ahead. */
export interface Detector {
  readonly method: string;
  /**
   * Scores `value` against the history before it, then adds it to the history.
   * `timestamp` is epoch ms; of the built-in detectors only the daily profile
   * (`record:daily-profile`) uses it, and it stays silent without one.
   */
  update(value: number, timestamp?: number): Detection;
}

/**
 * A streaming deviation statistic: how far the newest point (or the last few) is from what came
 * before it, in the series' own units. {@link RecordDetector} turns one into a detector.
 */
export interface Statistic {
  /** Name, e.g. 'mean-shift'. */
  readonly name: string;
  /**
   * Adds the point and returns the statistic for it (signed: positive when the series went up),
   * or undefined while the history is too short. Non-finite values must be skipped.
   */
  next(value: number, timestamp?: number): number | undefined;
}

/**
 * Squashes a statistic into [0, 1]: score = 1 − 2^(−(|z| / threshold)²).
 * It is 0 at z = 0, exactly 0.5 at |z| = threshold, 0.94 at twice the threshold,
 * so `score > 0.5` ⇔ `|z| > threshold` for every detector.
 */
export function scoreFromZ(z: number, threshold: number): number {
  if (Number.isNaN(z)) return 0;
  const r = Math.abs(z) / threshold;
  return 1 - Math.pow(2, -r * r);
}

/**
 * Smallest spread used when a series has none (e.g. a constant series): a tiny amount relative to
 * its centre, so a constant series that stays constant scores 0 and any change scores ~1.
 */
export function spreadFloor(centre: number): number {
  return 1e-9 * Math.max(1, Math.abs(centre));
}

/** Builds a detection from a statistic and its threshold. */
export function detection(method: string, raw: number, threshold: number): Detection {
  const z = Number.isFinite(raw) ? raw : Number.isNaN(raw) ? 0 : Math.sign(raw) * Number.MAX_VALUE;
  return { method, score: scoreFromZ(z, threshold), raw: z, threshold, anomalous: Math.abs(z) > threshold };
}

/** A non-anomalous detection with score 0 (warm-up, or a non-finite input). */
export function quiet(method: string, threshold: number): Detection {
  return { method, score: 0, raw: 0, threshold, anomalous: false };
}
