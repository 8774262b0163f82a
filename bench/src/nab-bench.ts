import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDefaultDetector, DEFAULT_DETECTOR_PARAMS, type Detector } from '@awo/analyzer';
import type { BenchIo } from './context.js';
import { DATA_DIR } from './data-paths.js';
import { loadNabCorpus, NAB_PROFILES, readDetectorScores, scoreCorpus, type NabCorpus, type NabProfileName, type NabSeries, type ScoreCorpusResult } from './nab/index.js';
import { round, table } from './stats.js';
import { crossValidate, type CrossValidation, type ParamSpace } from './nab/cv.js';

/** The monorepo root (this file is `bench/src/nab-bench.ts`). */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where the NAB data lives by default: `<repo>/../shared/data/nab` (or `$AWO_DATA_DIR/nab`). */
export const DEFAULT_NAB_DIR = path.resolve(DATA_DIR, 'nab');

/** Where the result files go by default (git-ignored). */
export const DEFAULT_NAB_OUT = path.resolve(REPO_ROOT, 'bench/out/nab');

/** Name of awo's detector in the result files and the report. */
export const AWO_DETECTOR = 'awo';

/** Scores under NAB's three profiles. */
export type ProfileScores = Record<NabProfileName, number>;

/** Arguments of {@link nabBench}. */
export interface NabBenchArgs {
  /** A folder in NAB's layout (data/, labels/combined_windows.json, config/profiles.json, results/). */
  data?: string;
  json: boolean;
  /** Where to write the result files (default `bench/out/nab`); they go in `<out>/awo/`. */
  out?: string;
  /** Skip the cross-validation (default false: it runs, a few minutes). */
  noCv?: boolean;
}

/**
 * The bounded search space of the cross-validation: the detector's defaults and, per parameter,
 * the values tried around them (about half to double, and the components' natural alternatives).
 */
export const DETECTOR_SPACE: ParamSpace = {
  start: { ...DEFAULT_DETECTOR_PARAMS },
  grid: {
    suppress: [15, 25, 35, 50, 80],
    horizon: [3000, 4500, 6000, 9000, 12000],
    minPoints: [50, 100, 200, 400],
    dailyAlpha: [0.05, 0.1, 0.15, 0.25, 0.4],
    spikeBaseline: [25, 50, 100, 200],
    meanRecent: [12, 24, 48],
    medianRecent: [6, 12, 24],
    shiftBaseline: [100, 200, 400],
    recordThreshold: [1, 1.02, 1.05],
    weeklyProfile: [0, 1],
  },
  rounds: 2,
};

/** What {@link nabBench} measured (also the `--json` output). */
export interface NabBenchResult {
  detector: string;
  dataDir: string;
  /** Files scored and their labelled windows. */
  files: number;
  windows: number;
  /** Rows fed to the detector. */
  rows: number;
  /** awo's normalised NAB score per profile (100 = perfect, 0 = the null detector). */
  scores: ProfileScores;
  /** The corpus-wide threshold NAB's optimiser chose per profile. */
  thresholds: ProfileScores;
  /** Per profile, windows detected and NAB's TP / FP row counts at that threshold. */
  counts: Record<NabProfileName, { detectedWindows: number; tp: number; fp: number }>;
  /** ARTime's published outputs scored by the same scorer on the same files, when the folder has them. */
  artimeSameFiles: ProfileScores | null;
  /** The public scoreboard (`results/final_results.json`), over NAB's full 58-file corpus. */
  scoreboard: Record<string, ProfileScores> | null;
  /** Folder holding the result files. */
  resultsDir: string;
  /**
   * Leave-one-category-out cross-validation (see bench/src/nab/cv.ts): the NAB score assembled from
   * each category scored with parameters and thresholds chosen without it; null with `noCv`.
   */
  crossValidated: (CrossValidation & { seconds: number }) | null;
  /** Wall time of the detector over all rows, and of the whole bench. */
  detectorSeconds: number;
  seconds: number;
}

/**
 * Runs one detector in streaming mode over a series: each row is fed once, in order, and the score
 * it gets is the one the detector returned for it (so it uses that row and the ones before only).
 */
export function streamScores(series: Pick<NabSeries, 'values' | 'timestamps'>, detector: Detector): Float64Array {
  const n = series.values.length;
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = detector.update(series.values[i] ?? Number.NaN, series.timestamps[i]).score;
    scores[i] = s >= 0 && s <= 1 ? s : s > 1 ? 1 : 0; // NAB rejects anything outside [0, 1] (and NaN)
  }
  return scores;
}

/** Runs a fresh detector from `make` over every series of the corpus, reporting each file. */
export function scoreSeries(corpus: NabCorpus, make: () => Detector, progress?: (line: string) => void): Map<string, Float64Array> {
  const scores = new Map<string, Float64Array>();
  corpus.series.forEach((s, k) => {
    const t0 = performance.now();
    const out = streamScores(s, make());
    scores.set(s.relativePath, out);
    progress?.(`[${k + 1}/${corpus.series.length}] ${s.relativePath}: ${s.values.length} rows, ${s.windows.length} windows, ${(performance.now() - t0).toFixed(0)} ms`);
  });
  return scores;
}

function profileScores(result: ScoreCorpusResult): ProfileScores {
  return { standard: result.scores.standard, reward_low_FP_rate: result.scores.reward_low_FP_rate, reward_low_FN_rate: result.scores.reward_low_FN_rate };
}

/** Reads `results/final_results.json` ({ detector: { profile: score } }); null when it is absent. */
async function readScoreboard(resultsDir: string): Promise<Record<string, ProfileScores> | null> {
  const file = path.join(resultsDir, 'final_results.json');
  if (!existsSync(file)) return null;
  const json: unknown = JSON.parse(await readFile(file, 'utf8'));
  if (typeof json !== 'object' || json === null) throw new Error(`${file}: expected an object keyed by detector`);
  const out: Record<string, ProfileScores> = {};
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    const e = (entry ?? {}) as Record<string, unknown>;
    const get = (p: NabProfileName): number => {
      const v = e[p];
      if (typeof v !== 'number') throw new Error(`${file}: ${name}.${p} is not a number`);
      return v;
    };
    out[name] = { standard: get('standard'), reward_low_FP_rate: get('reward_low_FP_rate'), reward_low_FN_rate: get('reward_low_FN_rate') };
  }
  return out;
}

/** ARTime's outputs in `results/ARTime`, scored on the corpus files; null when any file's output is missing. */
async function scoreArtime(corpus: NabCorpus, io: BenchIo): Promise<ProfileScores | null> {
  const dir = path.join(corpus.paths.resultsDir, 'ARTime');
  if (!existsSync(dir)) return null;
  const rel = corpus.series.map((s) => s.relativePath);
  try {
    const scores = await readDetectorScores(dir, 'ARTime', rel);
    return profileScores(await scoreCorpus({ dataDir: corpus.paths.root, detectorName: 'ARTime', scores, corpus }));
  } catch (err) {
    io.progress(`ARTime outputs in ${dir} not scored: ${(err as Error).message}`);
    return null;
  }
}

/**
 * NAB benchmark of awo's anomaly detector: the analyzer's default detector
 * ({@link createDefaultDetector}) runs in streaming mode, one fresh instance per file, over every
 * labelled series of a NAB folder; its scores are written as NAB result files and scored with NAB's
 * rules (one threshold per profile, optimised over the whole corpus), beside ARTime on the same
 * files and the published scoreboard.
 */
export async function nabBench(argv: NabBenchArgs, io: BenchIo): Promise<NabBenchResult> {
  const started = performance.now();
  const dataDir = path.resolve(argv.data ?? DEFAULT_NAB_DIR);
  const outDir = path.resolve(argv.out ?? DEFAULT_NAB_OUT);
  const corpus = await loadNabCorpus(dataDir);
  io.progress(`NAB ${dataDir}: ${corpus.series.length} files, ${corpus.totalWindows} windows`);

  const t0 = performance.now();
  const scores = scoreSeries(corpus, createDefaultDetector, (line) => io.progress(line));
  const detectorSeconds = (performance.now() - t0) / 1000;

  const result = await scoreCorpus({ dataDir, detectorName: AWO_DETECTOR, scores, corpus, resultsDir: outDir });
  const [artime, scoreboard] = await Promise.all([scoreArtime(corpus, io), readScoreboard(corpus.paths.resultsDir)]);
  let crossValidated: NabBenchResult['crossValidated'] = null;
  if (argv.noCv !== true) {
    const c0 = performance.now();
    io.progress('nab cv: leave-one-category-out, coordinate descent per fold (a few minutes)…');
    const cv = crossValidate(corpus, (p) => createDefaultDetector(p), (s, d) => streamScores(s, d), DETECTOR_SPACE, (line) => io.progress(line));
    crossValidated = { ...cv, seconds: round((performance.now() - c0) / 1000, 1) };
  }
  const counts = {} as NabBenchResult['counts'];
  const thresholds = {} as ProfileScores;
  for (const p of NAB_PROFILES) {
    const o = result.profiles[p];
    counts[p] = { detectedWindows: o?.detectedWindows ?? 0, tp: o?.tp ?? 0, fp: o?.fp ?? 0 };
    thresholds[p] = result.thresholds[p];
  }
  const summary: NabBenchResult = {
    detector: AWO_DETECTOR,
    dataDir,
    files: result.files,
    windows: result.totalWindows,
    rows: corpus.series.reduce((n, s) => n + s.values.length, 0),
    scores: profileScores(result),
    thresholds,
    counts,
    artimeSameFiles: artime,
    scoreboard,
    crossValidated,
    resultsDir: path.join(outDir, AWO_DETECTOR),
    detectorSeconds: round(detectorSeconds, 3),
    seconds: round((performance.now() - started) / 1000, 3),
  };
  if (io.json) io.out(JSON.stringify(summary));
  else report(summary, corpus, io);
  return summary;
}

function report(r: NabBenchResult, corpus: NabCorpus, io: BenchIo): void {
  const here = `this folder (${r.files} files, ${r.windows} windows)`;
  const row = (detector: string, scoredOn: string, s: ProfileScores) => ({
    detector,
    'scored on': scoredOn,
    standard: s.standard.toFixed(2),
    reward_low_FP_rate: s.reward_low_FP_rate.toFixed(2),
    reward_low_FN_rate: s.reward_low_FN_rate.toFixed(2),
  });
  const rows = [row(`${r.detector} (streaming)`, here, r.scores)];
  if (r.artimeSameFiles) rows.push(row('ARTime', `${here}, its published outputs`, r.artimeSameFiles));
  const board = Object.entries(r.scoreboard ?? {}).sort(([, a], [, b]) => b.standard - a.standard);
  for (const [name, s] of board) rows.push(row(name, 'NAB scoreboard, full corpus (58 files, 116 windows)', s));
  io.out(table(rows));
  const c = r.counts.standard;
  io.out(
    `${r.detector}: createDefaultDetector() from @awo/analyzer, one per file, fed row by row with timestamps; ` +
      `NAB's corpus-wide threshold θ* is chosen with hindsight, as for every scoreboard entry.`,
  );
  io.out(
    `${r.detector}: θ* standard ${r.thresholds.standard.toPrecision(6)}, ${c.detectedWindows}/${r.windows} windows detected, ` +
      `${c.tp} TP / ${c.fp} FP rows; ${r.rows} rows in ${r.detectorSeconds} s (${Math.round(r.rows / Math.max(r.detectorSeconds, 1e-9))} rows/s), bench ${r.seconds} s`,
  );
  if (r.scoreboard) {
    io.out(
      `The scoreboard (results/final_results.json) is over NAB's full 58-file corpus; this folder has ${r.files} file(s), ` +
        `so compare like with like${r.artimeSameFiles ? ' using the ARTime row scored here' : ''}.`,
    );
  }
  const cv = r.crossValidated;
  if (cv) {
    io.out(`\ncross-validated (leave one category out; parameters and NAB's threshold chosen on the other categories, ${cv.candidates} candidates, ${cv.seconds} s):`);
    const fmt = (v: number | null) => (v === null ? '–' : v.toFixed(2));
    io.out(
      table([
        row(`${r.detector} in-sample (defaults)`, here, r.scores),
        row(`${r.detector} cross-validated`, `${here}, each category held out`, cv.scores),
        row(`${r.detector} final search (in-sample)`, here, cv.final.scores),
      ]),
    );
    io.out(
      table(
        cv.folds.map((f) => ({
          'held out': f.category,
          files: f.files,
          windows: f.windows,
          'detected': f.detectedWindows,
          'FP rows': f.fp,
          'train standard': f.trainStandard.toFixed(2),
          'held-out standard': fmt(f.heldOut.standard),
          'held-out low FP': fmt(f.heldOut.reward_low_FP_rate),
          'held-out low FN': fmt(f.heldOut.reward_low_FN_rate),
          'θ standard': f.thresholds.standard.toPrecision(4),
        })),
      ),
    );
    for (const f of cv.folds) io.out(`parameters without ${f.category}: ${JSON.stringify(f.params)}`);
    io.out(`parameters of the final search on all categories: ${JSON.stringify(cv.final.params)}`);
  }
  if (corpus.unlabelledFiles.length > 0) io.out(`not scored (no labels): ${corpus.unlabelledFiles.join(', ')}`);
  io.out(`result files: ${r.resultsDir}`);
}
