/**
 * One call to score a detector on a NAB folder: optimise one threshold per profile over all files,
 * score every file at it, and normalise against the null and perfect detectors (SCORING.md §5–§7).
 */
import path from 'node:path';
import { loadNabCorpus, type NabCorpus, type NabSeries } from './corpus.js';
import { writeDetectorResults } from './results.js';
import type { FileScore } from './scorer.js';
import { baselines, normalizeScore, optimizeThreshold, rankCorpus, scoreCorpusAtThreshold, type CorpusEntry } from './threshold.js';

/** The three profiles of NAB's `config/profiles.json`. */
export const NAB_PROFILES = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const;

/** Name of one of NAB's three profiles. */
export type NabProfileName = (typeof NAB_PROFILES)[number];

/** A number per profile: NAB's three always present, any further profile of the folder by name. */
export type ProfileValues = Readonly<Record<NabProfileName, number>> & Readonly<Record<string, number>>;

/** Options of {@link scoreCorpus}. */
export interface ScoreCorpusOptions {
  /** The NAB folder (holding data/, labels/combined_windows.json, config/profiles.json). */
  readonly dataDir: string;
  /** Detector name, used in the report and in result-file names. */
  readonly detectorName: string;
  /** Per relative data path (`<category>/<file>.csv`), one anomaly score in [0, 1] per data row. */
  readonly scores: ReadonlyMap<string, ArrayLike<number>>;
  /** An already loaded corpus of `dataDir`, to skip reading it again. */
  readonly corpus?: NabCorpus;
  /** Score these profiles at a fixed threshold instead of optimising it. */
  readonly thresholds?: Readonly<Record<string, number>>;
  /**
   * Score only the files present in `scores` (threshold and baselines then depend on that subset).
   * Default false: every labelled file of the folder must have scores.
   */
  readonly allowPartial?: boolean;
  /** Include each file's score and counts per profile. */
  readonly perFile?: boolean;
  /** Also write NAB result files into `<resultsDir>/<detectorName>/<category>/<detectorName>_<file>.csv`. */
  readonly resultsDir?: string;
}

/** The outcome for one profile. */
export interface ProfileOutcome {
  /** Threshold used: θ* from the sweep, or the fixed one given. */
  readonly threshold: number;
  /** True if the threshold was optimised. */
  readonly optimized: boolean;
  /** Raw score S(θ): the sum of the file scores at the threshold. */
  readonly raw: number;
  /** Raw score of the null detector. */
  readonly null: number;
  /** Raw score of the perfect detector. */
  readonly perfect: number;
  /** `100 × (raw − null) / (perfect − null)`. */
  readonly normalized: number;
  /** NAB's row counts after probation (information only). */
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly tn: number;
  /** Windows with at least one detection / windows that can score. */
  readonly detectedWindows: number;
  readonly windows: number;
}

/** One file's scores. */
export interface PerFileOutcome {
  readonly relativePath: string;
  readonly rows: number;
  readonly windows: number;
  /** Per profile, the file's raw score and counts at that profile's threshold. */
  readonly byProfile: Readonly<Record<string, FileScore>>;
}

/** Result of {@link scoreCorpus}. */
export interface ScoreCorpusResult {
  readonly detectorName: string;
  /** Number of files scored. */
  readonly files: number;
  /** Labelled windows in those files. */
  readonly totalWindows: number;
  /** Normalised NAB score per profile (100 = perfect, 0 = null detector). */
  readonly scores: ProfileValues;
  /** Threshold per profile. */
  readonly thresholds: ProfileValues;
  /** Raw score per profile. */
  readonly raw: ProfileValues;
  /** Everything per profile. */
  readonly profiles: Readonly<Record<string, ProfileOutcome>>;
  readonly perFile?: readonly PerFileOutcome[];
  /** Result files written (when `resultsDir` was given). */
  readonly resultFiles?: readonly string[];
}

function selectSeries(corpus: NabCorpus, scores: ReadonlyMap<string, ArrayLike<number>>, allowPartial: boolean): NabSeries[] {
  const known = new Set(corpus.series.map((s) => s.relativePath));
  const unknown = [...scores.keys()].filter((k) => !known.has(k));
  if (unknown.length > 0) throw new Error(`scores for files not in the corpus: ${unknown.slice(0, 5).join(', ')}`);
  const missing = corpus.series.filter((s) => !scores.has(s.relativePath)).map((s) => s.relativePath);
  if (missing.length > 0 && !allowPartial) {
    throw new Error(`no scores for ${missing.length} corpus file(s), e.g. ${missing.slice(0, 5).join(', ')} (allowPartial to score a subset)`);
  }
  const chosen = corpus.series.filter((s) => scores.has(s.relativePath));
  if (chosen.length === 0) throw new Error('no files to score');
  return chosen;
}

/**
 * Score a detector's output on a NAB folder: per profile, NAB's corpus-wide threshold (or a fixed
 * one), the raw score, the baselines and the normalised score.
 */
export async function scoreCorpus(options: ScoreCorpusOptions): Promise<ScoreCorpusResult> {
  const corpus = options.corpus ?? (await loadNabCorpus(options.dataDir));
  for (const name of NAB_PROFILES) {
    if (!corpus.profiles.has(name)) throw new Error(`profiles.json has no "${name}" profile`);
  }
  for (const name of Object.keys(options.thresholds ?? {})) {
    if (!corpus.profiles.has(name)) throw new Error(`fixed threshold given for unknown profile "${name}"`);
  }
  const series = selectSeries(corpus, options.scores, options.allowPartial ?? false);
  const entries: CorpusEntry[] = series.map((s) => ({
    prepared: s.prepared,
    anomalyScores: options.scores.get(s.relativePath) ?? [],
  }));
  const totalWindows = series.reduce((n, s) => n + s.windows.length, 0);
  const ranked = rankCorpus(entries); // validates the scores; shared by all profiles

  const profiles: Record<string, ProfileOutcome> = {};
  const scores: Record<string, number> = {};
  const thresholds: Record<string, number> = {};
  const raw: Record<string, number> = {};
  const perFileScores = new Map<string, FileScore[]>();
  for (const [name, profile] of corpus.profiles) {
    const fixed = options.thresholds?.[name];
    const threshold = fixed ?? optimizeThreshold(ranked, profile).threshold;
    const total = scoreCorpusAtThreshold(entries, profile, threshold);
    const base = baselines(totalWindows, profile);
    const normalized = normalizeScore(total.score, base);
    profiles[name] = {
      threshold,
      optimized: fixed === undefined,
      raw: total.score,
      null: base.null,
      perfect: base.perfect,
      normalized,
      tp: total.tp,
      fp: total.fp,
      fn: total.fn,
      tn: total.tn,
      detectedWindows: total.detectedWindows,
      windows: total.windows,
    };
    scores[name] = normalized;
    thresholds[name] = threshold;
    raw[name] = total.score;
    perFileScores.set(name, [...total.perFile]);
  }

  let perFile: PerFileOutcome[] | undefined;
  if (options.perFile === true) {
    perFile = series.map((s, k) => {
      const byProfile: Record<string, FileScore> = {};
      for (const [name, list] of perFileScores) {
        const fs = list[k];
        if (fs !== undefined) byProfile[name] = fs;
      }
      return { relativePath: s.relativePath, rows: s.prepared.rows, windows: s.windows.length, byProfile };
    });
  }
  let resultFiles: string[] | undefined;
  if (options.resultsDir !== undefined) {
    const dir = path.join(options.resultsDir, options.detectorName);
    resultFiles = await writeDetectorResults(dir, options.detectorName, corpus, options.scores);
  }
  return {
    detectorName: options.detectorName,
    files: series.length,
    totalWindows,
    scores: scores as ProfileValues,
    thresholds: thresholds as ProfileValues,
    raw: raw as ProfileValues,
    profiles,
    ...(perFile === undefined ? {} : { perFile }),
    ...(resultFiles === undefined ? {} : { resultFiles }),
  };
}
