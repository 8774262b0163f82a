import { NO_DETECTION_THRESHOLD, windowRowValue, outsideRowValue, validateAnomalyScores, scorePreparedFile, type CostProfile, type PreparedFile, type FileScore } from './scorer.js';

/**
 * The corpus-wide part of NAB's scoring (SCORING.md §5–§7): every file's kept rows ranked by
 * anomaly score, the threshold sweep that finds each profile's best threshold, the corpus score
 * at a threshold, and the null and perfect baselines that normalise it. Pure; no I/O.
 */
/** One file of a corpus: its prepared state and the detector's scores for it. */
export interface CorpusEntry {
  readonly prepared: PreparedFile;
  readonly anomalyScores: ArrayLike<number>;
}

/** The kept rows of a whole corpus, sorted by anomaly score, highest first (see {@link rankCorpus}). */
export interface RankedRows {
  /** Anomaly scores, non-increasing. */
  readonly scores: Float64Array;
  /** Unweighted value of each row. */
  readonly unweighted: Float64Array;
  /** Corpus-wide window id of each row, or -1 outside windows. */
  readonly window: Int32Array;
  /** Number of corpus-wide window ids (windows that have kept rows get one). */
  readonly windowCount: number;
}

/**
 * Join the kept (post-probation) rows of all files and sort them by anomaly score, highest first.
 * Independent of the profile, so one ranking serves every profile's {@link optimizeThreshold}.
 */
export function rankCorpus(entries: readonly CorpusEntry[]): RankedRows {
  let kept = 0;
  for (const { prepared, anomalyScores } of entries) {
    validateAnomalyScores(anomalyScores, prepared.rows, prepared.name);
    kept += prepared.rows - prepared.probationaryLength;
  }
  const rawScores = new Float64Array(kept);
  const rawUnweighted = new Float64Array(kept);
  const rawWindow = new Int32Array(kept);
  let k = 0;
  let windowBase = 0;
  for (const { prepared, anomalyScores } of entries) {
    for (let i = prepared.probationaryLength; i < prepared.rows; i++, k++) {
      rawScores[k] = anomalyScores[i] ?? 0;
      rawUnweighted[k] = prepared.unweighted[i] ?? 0;
      const w = prepared.windowOf[i] ?? -1;
      rawWindow[k] = w >= 0 ? windowBase + w : -1;
    }
    windowBase += prepared.windows.length;
  }
  const order = new Uint32Array(kept);
  for (let j = 0; j < kept; j++) order[j] = j;
  order.sort((a, b) => (rawScores[b] ?? 0) - (rawScores[a] ?? 0));
  const scores = new Float64Array(kept);
  const unweighted = new Float64Array(kept);
  const window = new Int32Array(kept);
  for (let j = 0; j < kept; j++) {
    const src = order[j] ?? 0;
    scores[j] = rawScores[src] ?? 0;
    unweighted[j] = rawUnweighted[src] ?? 0;
    window[j] = rawWindow[src] ?? -1;
  }
  return { scores, unweighted, window, windowCount: windowBase };
}

/** Result of {@link optimizeThreshold}. */
export interface ThresholdOptimum {
  /** θ*: the candidate with the highest corpus score; on a tie the higher threshold. */
  readonly threshold: number;
  /** The corpus raw score S(θ*) as accumulated by the sweep. */
  readonly score: number;
  /** Number of candidate thresholds examined (distinct scores + 1.1). */
  readonly candidates: number;
}

/**
 * NAB's threshold optimisation for one profile (SCORING.md §6), as an O(n) sweep over the ranked
 * rows: start at θ = 1.1 with every window missed, go down the rows, record (θ, score) each time the
 * anomaly score changes, and keep the best record (earliest, i.e. highest θ, on a tie).
 */
export function optimizeThreshold(
  rows: RankedRows | readonly CorpusEntry[],
  profile: CostProfile,
): ThresholdOptimum {
  const ranked = isRanked(rows) ? rows : rankCorpus(rows);
  const { scores, unweighted, window } = ranked;
  const parts = new Float64Array(ranked.windowCount).fill(-profile.fnWeight);
  const seen = new Uint8Array(ranked.windowCount);
  let windowsWithRows = 0;
  for (let k = 0; k < window.length; k++) {
    const w = window[k] ?? -1;
    if (w >= 0 && seen[w] === 0) {
      seen[w] = 1;
      windowsWithRows++;
    }
  }
  let score = 0 - profile.fnWeight * windowsWithRows; // 0, not -0, without windows
  let theta = NO_DETECTION_THRESHOLD;
  let bestTheta = theta;
  let bestScore = Number.NEGATIVE_INFINITY;
  let candidates = 0;
  const record = (): void => {
    candidates++;
    if (score > bestScore) {
      bestScore = score;
      bestTheta = theta;
    }
  };
  for (let k = 0; k < scores.length; k++) {
    const s = scores[k] ?? 0;
    if (s !== theta) {
      record();
      theta = s;
    }
    const w = window[k] ?? -1;
    const u = unweighted[k] ?? 0;
    if (w < 0) score += outsideRowValue(u, profile);
    else {
      const v = windowRowValue(u, profile);
      const part = parts[w] ?? 0;
      if (v > part) {
        score += v - part;
        parts[w] = v;
      }
    }
  }
  record();
  return { threshold: bestTheta, score: bestScore, candidates };
}

function isRanked(x: RankedRows | readonly CorpusEntry[]): x is RankedRows {
  return !Array.isArray(x);
}

/** Corpus score at one threshold: the sum of the files' scores and counts, plus each file's score. */
export interface CorpusScore extends FileScore {
  readonly threshold: number;
  /** Per entry, in input order. */
  readonly perFile: readonly FileScore[];
}

/** Score every file at the same threshold and add up (SCORING.md §5). */
export function scoreCorpusAtThreshold(
  entries: readonly CorpusEntry[],
  profile: CostProfile,
  threshold: number,
): CorpusScore {
  const perFile = entries.map((e) => scorePreparedFile(e.prepared, e.anomalyScores, profile, threshold));
  const sum = (f: (s: FileScore) => number): number => perFile.reduce((acc, s) => acc + f(s), 0);
  return {
    threshold,
    score: sum((s) => s.score),
    tp: sum((s) => s.tp),
    fp: sum((s) => s.fp),
    fn: sum((s) => s.fn),
    tn: sum((s) => s.tn),
    windows: sum((s) => s.windows),
    detectedWindows: sum((s) => s.detectedWindows),
    perFile,
  };
}

/** The raw scores that map to 0 and 100. */
export interface Baselines {
  /** Score of the null detector (detects nothing): `-fnWeight × totalWindows`. */
  readonly null: number;
  /** Score of the perfect detector (first row of every window, nothing else): `tpWeight × totalWindows`. */
  readonly perfect: number;
}

/** Null and perfect raw scores for a corpus with `totalWindows` labelled windows (SCORING.md §7). */
export function baselines(totalWindows: number, profile: CostProfile): Baselines {
  return { null: 0 - profile.fnWeight * totalWindows, perfect: profile.tpWeight * totalWindows };
}

/** NAB's normalised score `100 × (raw − null) / (perfect − null)`. */
export function normalizeScore(raw: number, base: Baselines): number {
  const span = base.perfect - base.null;
  if (span === 0) throw new Error('cannot normalise: perfect and null scores are equal (no windows?)');
  return (100 * (raw - base.null)) / span;
}
