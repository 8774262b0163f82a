import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadNabCorpus, type NabCorpus } from './corpus.js';
import { NabCsvParser, formatTimestamp, parseNabCsv, parseTimestamp, requireColumn } from './csv.js';
import { parseProfiles, parseWindows } from './labels.js';
import { readDetectorScores, readResultFile, resultFilePath, writeDetectorResults } from './results.js';
import { scoreCorpus } from './score-corpus.js';
import {
  MAX_TP,
  prepareFile,
  probationaryLength,
  rowValues,
  scaledSigmoid,
  scoreFile,
  scorePreparedFile,
  type CostProfile,
} from './scorer.js';
import { baselines, normalizeScore, optimizeThreshold, scoreCorpusAtThreshold } from './threshold.js';

const STANDARD: CostProfile = { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 };
const LOW_FP: CostProfile = { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 };
const LOW_FN: CostProfile = { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 };

const T0 = Date.UTC(2014, 3, 1);
const STEP = 5 * 60_000;
const stamps = (n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => T0 + i * STEP);
const detectAt = (n: number, rows: number[]): Float64Array => {
  const s = new Float64Array(n);
  for (const r of rows) s[r] = 1;
  return s;
};

describe('scaled sigmoid (SCORING.md §3 reference values)', () => {
  it('matches the spec', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.9866142981514305, 15);
    expect(MAX_TP).toBeCloseTo(0.9866142981514305, 15);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.8482836399575131, 15);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(1)).toBeCloseTo(-0.9866142981514303, 15);
    expect(scaledSigmoid(3)).toBeCloseTo(-0.9999993881955461, 15);
    expect(scaledSigmoid(3.0001)).toBe(-1);
  });

  it('probation is min(floor(0.15 N), 750)', () => {
    expect(probationaryLength(20)).toBe(3);
    expect(probationaryLength(4032)).toBe(604);
    expect(probationaryLength(15902)).toBe(750);
    expect(probationaryLength(1)).toBe(0);
  });
});

describe('window scoring (SCORING.md §3–§4 worked example)', () => {
  const n = 20;
  const ts = stamps(n);
  const windows = [{ start: ts[8] ?? 0, end: ts[11] ?? 0 }];
  const prepared = prepareFile(ts, windows, 'example');
  const detections = detectAt(n, [5, 9, 10, 14]);

  it('gives the per-row values of the spec', () => {
    const v = rowValues(prepared, STANDARD);
    expect(v[5]).toBeCloseTo(-0.11, 15);
    expect(v[8]).toBeCloseTo(1, 15); // left edge gets exactly tpWeight
    expect(v[9]).toBeCloseTo(0.9669890878000605, 15);
    expect(v[10]).toBeCloseTo(0.8597925669097837, 15);
    expect(v[11]).toBeCloseTo(0.5621, 4); // right edge, W = 4: positive, not 0
    expect(v[14]).toBeCloseTo(-0.10852757279665734, 15);
    expect(v[0]).toBe(-0.11); // before the first window: the full -fpWeight
    expect(v[19]).toBeLessThan(v[14] ?? 0); // y = 8/3: more negative, not yet -fpWeight
    expect(v[19]).toBeGreaterThan(-0.11);
    expect(prepared.probationaryLength).toBe(3);
  });

  it('scores the file per profile', () => {
    const std = scorePreparedFile(prepared, detections, STANDARD, 0.5);
    expect(std.score).toBeCloseTo(0.7484615150034032, 14);
    expect({ tp: std.tp, fp: std.fp, fn: std.fn, tn: std.tn }).toEqual({ tp: 2, fp: 2, fn: 2, tn: 11 });
    expect(scorePreparedFile(prepared, detections, LOW_FP, 0.5).score).toBeCloseTo(0.5299339422067458, 14);
    expect(scorePreparedFile(prepared, detections, LOW_FN, 0.5).score).toBeCloseTo(0.7484615150034032, 14);
    const none = new Float64Array(n);
    expect(scorePreparedFile(prepared, none, STANDARD, 0.5).score).toBe(-1);
    expect(scorePreparedFile(prepared, none, LOW_FN, 0.5).score).toBe(-2);
    expect(
      scoreFile({ timestamps: ts, anomalyScores: detections, windows, profile: STANDARD, threshold: 1 }).score,
    ).toBeCloseTo(0.7484615150034032, 14);
  });

  it('ignores detections in probation and credits only the best detection of a window', () => {
    const s = scorePreparedFile(prepared, detectAt(n, [0, 1, 2, 8, 9, 10, 11]), STANDARD, 1);
    expect(s.score).toBeCloseTo(1, 15);
    expect(s.fp).toBe(0);
  });

  it('rejects scores outside [0, 1] and misaligned windows', () => {
    expect(() => scorePreparedFile(prepared, detectAt(n, []).fill(2), STANDARD, 0.5)).toThrow(/not in \[0, 1\]/);
    expect(() => prepareFile(ts, [{ start: (ts[8] ?? 0) + 1, end: ts[11] ?? 0 }])).toThrow(/not the timestamp/);
  });
});

describe('threshold sweep and normalisation (SCORING.md §6–§7)', () => {
  const n = 20;
  const ts = stamps(n);
  const withWindow = prepareFile(ts, [{ start: ts[8] ?? 0, end: ts[11] ?? 0 }], 'a');
  const noWindow = prepareFile(ts, [], 'b');

  it('picks the best threshold, the higher one on a tie', () => {
    const a = new Float64Array(n);
    a[9] = 0.8; // TP
    a[14] = 0.9; // FP after the window
    const b = new Float64Array(n);
    b[10] = 0.6; // FP in a file without windows
    const entries = [
      { prepared: withWindow, anomalyScores: a },
      { prepared: noWindow, anomalyScores: b },
    ];
    const opt = optimizeThreshold(entries, STANDARD);
    // θ=1.1: -1; θ=0.9: -1.1085; θ=0.8: 0.967-0.1085 = 0.8584; θ=0.6: 0.7484; θ=0: lots of FPs.
    expect(opt.threshold).toBe(0.8);
    expect(opt.score).toBeCloseTo(0.9669890878000605 - 0.10852757279665734, 14);
    expect(scoreCorpusAtThreshold(entries, STANDARD, opt.threshold).score).toBeCloseTo(opt.score, 14);
    // Tie: a second, later detection in an already detected window adds nothing; the higher θ wins.
    const c = new Float64Array(n);
    c[8] = 0.9;
    c[9] = 0.7;
    expect(optimizeThreshold([{ prepared: withWindow, anomalyScores: c }], STANDARD)).toMatchObject({ threshold: 0.9, score: 1 });
    // A detector that scores nothing useful keeps θ = 1.1 (ties resolved to the higher threshold).
    const flat = [{ prepared: noWindow, anomalyScores: new Float64Array(n).fill(0.5) }];
    expect(optimizeThreshold(flat, STANDARD)).toMatchObject({ threshold: 1.1, score: 0 });
  });

  it('normalises against null and perfect', () => {
    const base = baselines(83, LOW_FN);
    expect(base).toEqual({ null: -166, perfect: 83 });
    expect(normalizeScore(-166, base)).toBe(0);
    expect(normalizeScore(83, base)).toBe(100);
    // The perfect detector: the first row of each window, nothing else.
    const perfect = detectAt(n, [8]);
    const s = scorePreparedFile(withWindow, perfect, STANDARD, 1);
    expect(normalizeScore(s.score, baselines(1, STANDARD))).toBeCloseTo(100, 12);
  });
});

describe('CSV and labels', () => {
  it('parses timestamps as UTC and formats them back', () => {
    expect(parseTimestamp('2014-04-10 07:15:00')).toBe(Date.UTC(2014, 3, 10, 7, 15));
    expect(parseTimestamp('2014-04-10 07:15:00.000000')).toBe(parseTimestamp('2014-04-10 07:15:00'));
    expect(parseTimestamp('1999-12-31T23:59:59Z')).toBe(Date.UTC(1999, 11, 31, 23, 59, 59));
    expect(formatTimestamp(Date.UTC(2011, 6, 1, 0, 0, 1))).toBe('2011-07-01 00:00:01');
    expect(() => parseTimestamp('2014-02-30 00:00:00')).toThrow();
    expect(() => parseTimestamp('10/04/2014')).toThrow();
  });

  it('parses a CSV the same whole or in chunks', () => {
    const text = 'timestamp,value,anomaly_score\r\n2014-04-01 00:00:00,1.5,0.0\r\n2014-04-01 00:05:00,2,\r\n2014-04-01 00:10:00,-3e2,1\n';
    const whole = parseNabCsv(text);
    const parser = new NabCsvParser();
    for (let i = 0; i < text.length; i += 7) parser.push(text.slice(i, i + 7));
    const chunked = parser.finish();
    expect(whole.rows).toBe(3);
    expect([...requireColumn(whole, 'value')]).toEqual([1.5, 2, -300]);
    expect([...requireColumn(chunked, 'value')]).toEqual([1.5, 2, -300]);
    expect(requireColumn(chunked, 'anomaly_score')[1]).toBeNaN();
    expect([...chunked.timestamps]).toEqual([...whole.timestamps]);
    expect(() => parseNabCsv('timestamp,value\n2014-04-01 00:00:00,1,2\n')).toThrow(/fields/);
  });

  it('reads windows and profiles', () => {
    const w = parseWindows('{"a/x.csv": [["2014-04-10 07:15:00.000000", "2014-04-11 16:45:00.000000"]], "a/y.csv": []}');
    expect(w.get('a/x.csv')?.[0]?.start).toBe(Date.UTC(2014, 3, 10, 7, 15));
    expect(w.get('a/y.csv')).toEqual([]);
    const p = parseProfiles('{"standard": {"CostMatrix": {"tpWeight": 1.0, "fnWeight": 1.0, "fpWeight": 0.11, "tnWeight": 1.0}}}');
    expect(p.get('standard')).toEqual({ name: 'standard', tpWeight: 1, fpWeight: 0.11, fnWeight: 1, tnWeight: 1 });
  });
});

// ---------------------------------------------------------------------------------------------
// Golden test: NAB's ARTime outputs on the 44 files of the shared NAB folder (SCORING.md §9).

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const nabDir = process.env['AWO_NAB_DIR'] ?? path.resolve(repoRoot, '../shared/data/nab');
const haveNab = existsSync(nabDir);
if (!haveNab) console.warn(`NAB golden test skipped: no NAB folder at ${nabDir} (set AWO_NAB_DIR)`);

/** SCORING.md §9, optimised thresholds. Raw sums agree to 1e-9. */
const EXPECTED_OPTIMISED = {
  standard: { threshold: 0.309287, raw: 42.12590126486257, normalized: 75.37704895473648 },
  reward_low_FP_rate: { threshold: 0.309287, raw: 25.692119297684876, normalized: 65.47718029981017 },
  reward_low_FN_rate: { threshold: 0.309287, raw: 35.12590126486257, normalized: 80.77345432323797 },
} as const;
/** SCORING.md §9, NAB's stored ARTime thresholds. */
const EXPECTED_FIXED = {
  standard: { threshold: 0.317486, raw: 42.06737998308467, normalized: 75.34179517053293, tp: 119 },
  reward_low_FP_rate: { threshold: 0.317585, raw: 25.49905363273434, normalized: 65.36087568237008, tp: 118 },
  reward_low_FN_rate: { threshold: 0.317486, raw: 35.06737998308466, normalized: 80.7499518004356, tp: 119 },
} as const;

describe.skipIf(!haveNab)(`NAB golden test: ARTime on ${nabDir}`, () => {
  const artimeDir = path.join(nabDir, 'results', 'ARTime');
  let corpus: NabCorpus | undefined;
  let scores: Map<string, Float64Array> | undefined;
  const load = async (): Promise<{ corpus: NabCorpus; scores: Map<string, Float64Array> }> => {
    corpus ??= await loadNabCorpus(nabDir);
    scores ??= await readDetectorScores(artimeDir, 'ARTime', corpus.series.map((s) => s.relativePath));
    return { corpus, scores };
  };

  it('reproduces the optimised normalised scores 75.3770 / 65.4772 / 80.7735', async () => {
    const started = performance.now();
    const { corpus: c, scores: s } = await load();
    const loaded = performance.now();
    const result = await scoreCorpus({ dataDir: nabDir, detectorName: 'ARTime', scores: s, corpus: c });
    const done = performance.now();
    console.info(
      `NAB ARTime: ${result.files} files, ${result.totalWindows} windows; ` +
        `load ${(loaded - started).toFixed(0)} ms, score ${(done - loaded).toFixed(0)} ms; ` +
        Object.entries(result.profiles)
          .map(([p, o]) => `${p} θ*=${o.threshold} raw=${o.raw} normalised=${o.normalized} TP/FP=${o.tp}/${o.fp}`)
          .join('; '),
    );
    expect(result.files).toBe(44);
    expect(result.totalWindows).toBe(83);
    for (const [name, want] of Object.entries(EXPECTED_OPTIMISED)) {
      const got = result.profiles[name];
      expect(got, name).toBeDefined();
      expect(got?.optimized).toBe(true);
      expect(Math.abs((got?.threshold ?? 0) - want.threshold), `${name} θ*`).toBeLessThan(5e-7);
      expect(Math.abs((got?.raw ?? 0) - want.raw), `${name} raw`).toBeLessThan(1e-9);
      expect(Math.abs((got?.normalized ?? 0) - want.normalized), `${name} normalised`).toBeLessThan(1e-9);
      expect([got?.tp, got?.fp], `${name} TP/FP rows`).toEqual([120, 158]);
    }
    expect(Math.abs(result.scores.standard - 75.377)).toBeLessThan(1e-3);
    expect(Math.abs(result.scores.reward_low_FP_rate - 65.4772)).toBeLessThan(1e-3);
    expect(Math.abs(result.scores.reward_low_FN_rate - 80.7735)).toBeLessThan(1e-3);
  });

  it('reproduces the scores at NAB’s stored thresholds', async () => {
    const { corpus: c, scores: s } = await load();
    const thresholds = Object.fromEntries(Object.entries(EXPECTED_FIXED).map(([k, v]) => [k, v.threshold]));
    const result = await scoreCorpus({ dataDir: nabDir, detectorName: 'ARTime', scores: s, corpus: c, thresholds });
    for (const [name, want] of Object.entries(EXPECTED_FIXED)) {
      const got = result.profiles[name];
      expect(got?.optimized).toBe(false);
      expect(Math.abs((got?.raw ?? 0) - want.raw), `${name} raw`).toBeLessThan(1e-9);
      expect(Math.abs((got?.normalized ?? 0) - want.normalized), `${name} normalised`).toBeLessThan(1e-9);
      expect([got?.tp, got?.fp], `${name} TP/FP rows`).toEqual([want.tp, 158]);
    }
  });

  it('reproduces every per-row S(t) and label value of the ARTime result files', async () => {
    const { corpus: c } = await load();
    let maxDiff = 0;
    let checked = 0;
    for (const series of c.series) {
      const file = await readResultFile(resultFilePath(artimeDir, 'ARTime', series.relativePath));
      expect(file.timestamps.length, series.relativePath).toBe(series.prepared.rows);
      for (let i = 0; i < series.prepared.rows; i++) {
        const label = (series.prepared.windowOf[i] ?? -1) >= 0 ? 1 : 0;
        if (file.labels[i] !== label) throw new Error(`${series.relativePath} row ${i}: label ${file.labels[i]} ≠ ${label}`);
      }
      for (const [name, profile] of c.profiles) {
        const want = file.sweepScores.get(name);
        expect(want, `${series.relativePath} S(t)_${name}`).toBeDefined();
        const got = rowValues(series.prepared, profile);
        for (let i = 0; i < got.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs((got[i] ?? 0) - (want?.[i] ?? Number.NaN)));
          checked++;
        }
      }
    }
    expect(checked).toBe(840_999);
    expect(maxDiff).toBeLessThan(1e-12);
  });

  it('writes result files that read back to the same scores', async () => {
    const { corpus: c, scores: s } = await load();
    const out = await mkdtemp(path.join(os.tmpdir(), 'nab-results-'));
    try {
      const one = c.series.find((x) => x.windows.length > 0);
      if (one === undefined) throw new Error('no series with windows');
      const subset = new Map([[one.relativePath, s.get(one.relativePath) ?? new Float64Array()]]);
      const [written] = await writeDetectorResults(path.join(out, 'ARTime'), 'ARTime', c, subset);
      expect(written).toBe(resultFilePath(path.join(out, 'ARTime'), 'ARTime', one.relativePath));
      const mine = await readResultFile(written ?? '');
      const theirs = await readResultFile(resultFilePath(artimeDir, 'ARTime', one.relativePath));
      expect(Array.from(mine.timestamps)).toEqual(Array.from(theirs.timestamps));
      expect(Array.from(mine.anomalyScores)).toEqual(Array.from(theirs.anomalyScores));
      expect(Array.from(mine.labels)).toEqual(Array.from(theirs.labels));
      expect([...mine.sweepScores.keys()]).toEqual([...theirs.sweepScores.keys()]);
      const partial = await scoreCorpus({ dataDir: nabDir, detectorName: 'x', scores: subset, corpus: c, allowPartial: true, perFile: true });
      expect(partial.files).toBe(1);
      expect(partial.perFile?.[0]?.relativePath).toBe(one.relativePath);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
