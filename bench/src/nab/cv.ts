/**
 * Leave-one-category-out cross-validation of a NAB detector's parameters.
 *
 * The categories are the folders of the corpus' files (artificialWithAnomaly, realAWSCloudwatch, …).
 * For each held-out category, a bounded search (coordinate descent over a grid of values per
 * parameter, from a starting point) chooses the parameters with the best NAB score on the other
 * categories, NAB's threshold included: per profile, the threshold θ* is optimised on those
 * categories too. The held-out category is then scored at that threshold with those parameters.
 * The cross-validated score adds the held-out raw scores of every category and normalises them
 * against the null and perfect detectors of the whole corpus, as NAB does; so each file's
 * contribution comes from a detector (and a threshold) chosen without its category.
 *
 * A final search on all categories gives the parameters one would ship. Every candidate is run
 * once over the whole corpus and its scores reduced to a few numbers per fold, so the searches of
 * all folds share their runs (memory: one candidate's scores at a time).
 */
import type { Detector } from '@awo/analyzer';
import type { NabCorpus, NabSeries } from './corpus.js';
import { NAB_PROFILES, type NabProfileName } from './score-corpus.js';
import { baselines, normalizeScore, optimizeThreshold, rankCorpus, scoreCorpusAtThreshold, type CorpusEntry } from './threshold.js';

/** Parameters: named numbers. */
export type Params = Readonly<Record<string, number>>;

/** A bounded search space: the start and, per parameter, the values tried (the start's value is added). */
export interface ParamSpace {
  readonly start: Params;
  readonly grid: Readonly<Record<string, readonly number[]>>;
  /** Passes of coordinate descent at most (default 2). */
  readonly rounds?: number;
}

/** Per profile, one number. */
export type PerProfile = Record<NabProfileName, number>;

/** The outcome for one held-out category. */
export interface FoldResult {
  category: string;
  files: number;
  windows: number;
  /** The parameters chosen on the other categories. */
  params: Params;
  /** NAB standard score of those parameters on the other categories (in-sample for the fold; the raw score when they have no windows). */
  trainStandard: number;
  /** Per profile, θ* optimised on the other categories. */
  thresholds: PerProfile;
  /** Per profile, the held-out category's raw score at that threshold. */
  heldOutRaw: PerProfile;
  /** Per profile, the held-out category normalised on its own windows (null without windows). */
  heldOut: Record<NabProfileName, number | null>;
  detectedWindows: number;
  fp: number;
}

/** Result of {@link crossValidate}. */
export interface CrossValidation {
  categories: string[];
  folds: FoldResult[];
  /** Cross-validated NAB score per profile: held-out raw scores summed, normalised on the whole corpus. */
  scores: PerProfile;
  /** Parameters of a final search on every category, and their in-sample scores. */
  final: { params: Params; scores: PerProfile };
  /** Candidates run over the corpus. */
  candidates: number;
}

/** Category of a corpus file: the folder of its relative path. */
export function categoryOf(s: Pick<NabSeries, 'relativePath'>): string {
  const i = s.relativePath.indexOf('/');
  return i < 0 ? '.' : s.relativePath.slice(0, i);
}

/** What one candidate's run reduces to: per subset of categories, per profile, θ* and the score. */
interface Reduced {
  /** Per fold (category held out): standard score on the rest, per profile θ* on the rest and the held-out raw score at it. */
  folds: { trainStandard: number; thresholds: PerProfile; heldOutRaw: PerProfile; detectedWindows: number; fp: number }[];
  /** On every category: per profile the normalised score at θ*. */
  all: PerProfile;
}

const keyOf = (p: Params): string => JSON.stringify(Object.keys(p).sort().map((k) => [k, p[k]]));

/**
 * Cross-validates `make` over the corpus' categories (see the module comment). `score(series,
 * detector)` streams one series through a fresh detector and returns its anomaly scores.
 */
export function crossValidate(
  corpus: NabCorpus,
  make: (p: Params) => Detector,
  score: (s: NabSeries, d: Detector) => ArrayLike<number>,
  space: ParamSpace,
  progress?: (line: string) => void,
): CrossValidation {
  const categories = [...new Set(corpus.series.map(categoryOf))].sort();
  if (categories.length < 2) throw new Error(`cross-validation needs at least 2 categories, the corpus has ${categories.length}`);
  const profiles = NAB_PROFILES.map((name) => {
    const p = corpus.profiles.get(name);
    if (p === undefined) throw new Error(`profiles.json has no "${name}" profile`);
    return [name, p] as const;
  });
  const byCategory = categories.map((c) => corpus.series.filter((s) => categoryOf(s) === c));
  const windowsOf = (list: readonly NabSeries[]) => list.reduce((n, s) => n + s.windows.length, 0);
  const cache = new Map<string, Reduced>();

  const evaluate = (p: Params): Reduced => {
    const key = keyOf(p);
    const hit = cache.get(key);
    if (hit) return hit;
    const t0 = performance.now();
    const entries = new Map<string, CorpusEntry>();
    for (const s of corpus.series) entries.set(s.relativePath, { prepared: s.prepared, anomalyScores: score(s, make(p)) });
    const entriesOf = (list: readonly NabSeries[]) => list.map((s) => entries.get(s.relativePath)!);
    const folds = categories.map((_, k) => {
      const train = entriesOf(byCategory.filter((_, j) => j !== k).flat());
      const held = entriesOf(byCategory[k]!);
      const trainWindows = windowsOf(byCategory.filter((_, j) => j !== k).flat());
      const ranked = rankCorpus(train);
      const thresholds = {} as PerProfile;
      const heldOutRaw = {} as PerProfile;
      let trainStandard = Number.NaN;
      let detectedWindows = 0;
      let fp = 0;
      for (const [name, profile] of profiles) {
        const opt = optimizeThreshold(ranked, profile);
        thresholds[name] = opt.threshold;
        const at = scoreCorpusAtThreshold(held, profile, opt.threshold);
        heldOutRaw[name] = at.score;
        if (name === 'standard') {
          // Without windows in the other categories there is nothing to normalise by: the raw score (−cost of false positives) ranks.
          const raw = scoreCorpusAtThreshold(train, profile, opt.threshold).score;
          trainStandard = trainWindows === 0 ? raw : normalizeScore(raw, baselines(trainWindows, profile));
          detectedWindows = at.detectedWindows;
          fp = at.fp;
        }
      }
      return { trainStandard, thresholds, heldOutRaw, detectedWindows, fp };
    });
    const allEntries = [...entries.values()];
    const rankedAll = rankCorpus(allEntries);
    const all = {} as PerProfile;
    for (const [name, profile] of profiles) {
      const opt = optimizeThreshold(rankedAll, profile);
      all[name] = normalizeScore(scoreCorpusAtThreshold(allEntries, profile, opt.threshold).score, baselines(windowsOf(corpus.series), profile));
    }
    const reduced = { folds, all };
    cache.set(key, reduced);
    progress?.(`nab cv: candidate ${cache.size} ${key}: all ${all.standard.toFixed(2)} (${(performance.now() - t0).toFixed(0)} ms)`);
    return reduced;
  };

  const search = (objective: (r: Reduced) => number, label: string): Params => {
    let best = { ...space.start };
    let bestValue = objective(evaluate(best));
    for (let round = 0; round < (space.rounds ?? 2); round++) {
      let moved = false;
      for (const [name, values] of Object.entries(space.grid)) {
        for (const v of values) {
          if (v === best[name]) continue;
          const candidate = { ...best, [name]: v };
          const value = objective(evaluate(candidate));
          if (value > bestValue + 1e-9) {
            best = candidate;
            bestValue = value;
            moved = true;
          }
        }
      }
      if (!moved) break;
    }
    progress?.(`nab cv: ${label}: ${keyOf(best)} → ${bestValue.toFixed(3)}`);
    return best;
  };

  const folds: FoldResult[] = categories.map((category, k) => {
    const params = search((r) => r.folds[k]!.trainStandard, `without ${category}`);
    const f = evaluate(params).folds[k]!;
    const windows = windowsOf(byCategory[k]!);
    const heldOut = {} as Record<NabProfileName, number | null>;
    for (const [name, profile] of profiles) heldOut[name] = windows === 0 ? null : normalizeScore(f.heldOutRaw[name], baselines(windows, profile));
    return { category, files: byCategory[k]!.length, windows, params, trainStandard: f.trainStandard, thresholds: f.thresholds, heldOutRaw: f.heldOutRaw, heldOut, detectedWindows: f.detectedWindows, fp: f.fp };
  });
  const scores = {} as PerProfile;
  const totalWindows = windowsOf(corpus.series);
  for (const [name, profile] of profiles) scores[name] = normalizeScore(folds.reduce((s, f) => s + f.heldOutRaw[name], 0), baselines(totalWindows, profile));
  const finalParams = search((r) => r.all.standard, 'all categories');
  return { categories, folds, scores, final: { params: finalParams, scores: evaluate(finalParams).all }, candidates: cache.size };
}
