/**
 * The NAB scoring rules (SCORING.md §2–§7): probation, per-row weighted values from the scaled
 * sigmoid, the score of one file at a threshold, the corpus-wide threshold sweep, the null and
 * perfect baselines and the normalised score. Pure functions over arrays; no I/O.
 *
 * Usage: {@link prepareFile} each file once (it aligns the windows and computes the
 * profile-independent part of every row's value), then {@link scorePreparedFile} for one file, or
 * {@link rankCorpus} + {@link optimizeThreshold} + {@link scoreCorpusAtThreshold} for a corpus.
 */

/** Weights of a NAB cost profile (`config/profiles.json`, `CostMatrix`). */
export interface CostProfile {
  readonly tpWeight: number;
  readonly fpWeight: number;
  readonly fnWeight: number;
  /** Present in NAB's profiles; never used by the score. */
  readonly tnWeight?: number;
}

/** One labelled anomaly window, `[start, end]` inclusive, as epoch milliseconds (UTC). */
export interface AnomalyWindow {
  readonly start: number;
  readonly end: number;
}

/** A window located in a file's rows. */
export interface AlignedWindow {
  /** Row index of the window's first row (L). */
  readonly startIndex: number;
  /** Row index of the window's last row (R). */
  readonly endIndex: number;
  /** Width in rows, `R - L + 1`. */
  readonly width: number;
}

/** The profile-independent scoring state of one file (see {@link prepareFile}). */
export interface PreparedFile {
  /** Name used in messages and per-file reports (normally the relative path). */
  readonly name: string;
  /** Number of rows N. */
  readonly rows: number;
  /** Rows with index below this are not scored: `min(floor(0.15 N), 750)`. */
  readonly probationaryLength: number;
  /** The file's windows, aligned to rows, in time order. */
  readonly windows: readonly AlignedWindow[];
  /** Per row, the index into {@link windows} of the window containing it, or -1. */
  readonly windowOf: Int32Array;
  /**
   * Per row, the unweighted value: inside a window `scaledSigmoid(-(R - i + 1) / W)`; outside,
   * `-1` before the first window has ended, else `scaledSigmoid((i - R') / (W' - 1))`.
   */
  readonly unweighted: Float64Array;
  /** Number of windows with at least one row after probation (the windows that can score). */
  readonly scoredWindows: number;
}

/** Score and NAB's row counts of one file (or a corpus) at one threshold. */
export interface FileScore {
  /** Raw (unnormalised) score. */
  readonly score: number;
  /** Detected rows inside windows. */
  readonly tp: number;
  /** Detected rows outside windows. */
  readonly fp: number;
  /** Undetected rows inside windows. */
  readonly fn: number;
  /** Undetected rows outside windows. */
  readonly tn: number;
  /** Windows that can score (have a row after probation). */
  readonly windows: number;
  /** Of those, windows with at least one detection. */
  readonly detectedWindows: number;
}

/** Fraction of a file used as probation. */
export const PROBATION_PERCENT = 0.15;

/** Threshold under which nothing is detected; the first candidate of the sweep. */
export const NO_DETECTION_THRESHOLD = 1.1;

/** The logistic function `1 / (1 + exp(-x))`. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** NAB's scaled sigmoid: `-1` if `y > 3`, else `2 * sigmoid(-5 y) - 1`. */
export function scaledSigmoid(y: number): number {
  if (y > 3) return -1;
  return 2 * sigmoid(-5 * y) - 1;
}

/** `scaledSigmoid(-1)`, the value of a window's left edge before weighting (0.9866142981514305). */
export const MAX_TP = scaledSigmoid(-1);

/** Probationary length of a file of `rows` rows: `min(floor(0.15 rows), 0.15 * 5000)`. */
export function probationaryLength(rows: number): number {
  return Math.min(Math.floor(PROBATION_PERCENT * rows), PROBATION_PERCENT * 5000);
}

/** Weighted value of a row inside a window: `tpWeight * unweighted / maxTP`. */
export function windowRowValue(unweighted: number, profile: CostProfile): number {
  return (profile.tpWeight * unweighted) / MAX_TP;
}

/** Weighted value of a row outside every window: `fpWeight * unweighted` (unweighted ≤ 0). */
export function outsideRowValue(unweighted: number, profile: CostProfile): number {
  return profile.fpWeight * unweighted;
}

function findRow(timestamps: ArrayLike<number>, t: number): number {
  for (let i = 0; i < timestamps.length; i++) if (timestamps[i] === t) return i;
  return -1;
}

/**
 * Align a file's windows to its rows. Every window start and end must equal (by value) the
 * timestamp of a row; windows must be in time order and must not overlap.
 */
export function alignWindows(
  timestamps: ArrayLike<number>,
  windows: readonly AnomalyWindow[],
  name = '<file>',
): AlignedWindow[] {
  const aligned: AlignedWindow[] = [];
  let prevEnd = -1;
  for (const [k, w] of windows.entries()) {
    const startIndex = findRow(timestamps, w.start);
    const endIndex = findRow(timestamps, w.end);
    if (startIndex < 0 || endIndex < 0) {
      const which = startIndex < 0 ? 'start' : 'end';
      const t = startIndex < 0 ? w.start : w.end;
      throw new Error(`${name}: window ${k} ${which} ${new Date(t).toISOString()} is not the timestamp of any row`);
    }
    if (endIndex < startIndex) throw new Error(`${name}: window ${k} ends before it starts`);
    if (startIndex <= prevEnd) throw new Error(`${name}: window ${k} overlaps or precedes the previous window`);
    aligned.push({ startIndex, endIndex, width: endIndex - startIndex + 1 });
    prevEnd = endIndex;
  }
  return aligned;
}

/**
 * Walk a file's rows through the window state machine of SCORING.md §3 and record, per row,
 * which window holds it and its unweighted value. Independent of the profile and of the detector.
 */
export function prepareFile(
  timestamps: ArrayLike<number>,
  windows: readonly AnomalyWindow[],
  name = '<file>',
): PreparedFile {
  const rows = timestamps.length;
  const aligned = alignWindows(timestamps, windows, name);
  const probation = probationaryLength(rows);
  const windowOf = new Int32Array(rows).fill(-1);
  const unweighted = new Float64Array(rows);
  let next = 0; // next unused window
  let cur = -1; // current window, or -1
  let curR = 0;
  let curW = 0;
  let prevR = -1; // most recent window that has ended, or -1
  let prevW = 0;
  for (let i = 0; i < rows; i++) {
    const nextWindow = aligned[next];
    if (cur < 0 && nextWindow !== undefined && i === nextWindow.startIndex) {
      cur = next++;
      curR = nextWindow.endIndex;
      curW = nextWindow.width;
    }
    if (cur >= 0) {
      windowOf[i] = cur;
      unweighted[i] = scaledSigmoid(-(curR - i + 1) / curW);
      if (i === curR) {
        prevR = curR;
        prevW = curW;
        cur = -1;
      }
    } else if (prevR < 0) {
      unweighted[i] = -1;
    } else {
      // W' = 1 would divide by zero (NAB would fail); +Infinity gives the full -1.
      unweighted[i] = scaledSigmoid((i - prevR) / (prevW - 1));
    }
  }
  const scoredWindows = aligned.filter((w) => w.endIndex >= probation).length;
  return { name, rows, probationaryLength: probation, windows: aligned, windowOf, unweighted, scoredWindows };
}

/** Per-row weighted values of a prepared file for one profile (NAB's `S(t)_<profile>` column, all rows). */
export function rowValues(prepared: PreparedFile, profile: CostProfile): Float64Array {
  const out = new Float64Array(prepared.rows);
  for (let i = 0; i < prepared.rows; i++) {
    const u = prepared.unweighted[i] ?? 0;
    out[i] = (prepared.windowOf[i] ?? -1) >= 0 ? windowRowValue(u, profile) : outsideRowValue(u, profile);
  }
  return out;
}

/** Throw unless `scores` has one value in [0, 1] per row (NAB rejects anything else). */
export function validateAnomalyScores(scores: ArrayLike<number>, rows: number, name = '<file>'): void {
  if (scores.length !== rows) throw new Error(`${name}: ${scores.length} anomaly scores for ${rows} rows`);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i] ?? Number.NaN;
    if (!(s >= 0 && s <= 1)) throw new Error(`${name}: anomaly score ${s} at row ${i} is not in [0, 1]`);
  }
}

/**
 * Score one prepared file at threshold θ (SCORING.md §4): a detection is a row after probation with
 * `score >= θ`; each window adds the best value among its detections or `-fnWeight`; each detection
 * outside windows adds its (negative) value.
 */
export function scorePreparedFile(
  prepared: PreparedFile,
  anomalyScores: ArrayLike<number>,
  profile: CostProfile,
  threshold: number,
): FileScore {
  validateAnomalyScores(anomalyScores, prepared.rows, prepared.name);
  const best = new Float64Array(prepared.windows.length).fill(Number.NEGATIVE_INFINITY);
  let fpSum = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = prepared.probationaryLength; i < prepared.rows; i++) {
    const detected = (anomalyScores[i] ?? 0) >= threshold;
    const w = prepared.windowOf[i] ?? -1;
    const u = prepared.unweighted[i] ?? 0;
    if (w >= 0) {
      if (detected) {
        tp++;
        const v = windowRowValue(u, profile);
        if (v > (best[w] ?? 0)) best[w] = v;
      } else fn++;
    } else if (detected) {
      fp++;
      fpSum += outsideRowValue(u, profile);
    } else tn++;
  }
  let score = 0;
  let detectedWindows = 0;
  for (const [k, w] of prepared.windows.entries()) {
    if (w.endIndex < prepared.probationaryLength) continue; // no row can score
    const b = best[k] ?? Number.NEGATIVE_INFINITY;
    if (b === Number.NEGATIVE_INFINITY) score -= profile.fnWeight;
    else {
      score += b;
      detectedWindows++;
    }
  }
  return { score: score + fpSum, tp, fp, fn, tn, windows: prepared.scoredWindows, detectedWindows };
}

/** Input of {@link scoreFile}. */
export interface ScoreFileInput {
  /** Per row, epoch milliseconds. */
  readonly timestamps: ArrayLike<number>;
  /** Per row, the detector's anomaly score in [0, 1] (binary detections: 0 or 1). */
  readonly anomalyScores: ArrayLike<number>;
  /** The file's anomaly windows. */
  readonly windows: readonly AnomalyWindow[];
  readonly profile: CostProfile;
  readonly threshold: number;
  readonly name?: string;
}

/** Raw score and row counts of one file at one threshold (prepares the file, then {@link scorePreparedFile}). */
export function scoreFile(input: ScoreFileInput): FileScore {
  const prepared = prepareFile(input.timestamps, input.windows, input.name);
  return scorePreparedFile(prepared, input.anomalyScores, input.profile, input.threshold);
}
