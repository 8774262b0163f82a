import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultDetector, DEFAULT_DETECTOR_PARAMS } from '@awo/analyzer';
import { mulberry32 } from '@awo/shared';
import type { BenchIo } from './context.js';
import { formatTimestamp, loadNabCorpus, readDetectorScores, scoreCorpus } from './nab/index.js';
import { AWO_DETECTOR, nabBench, streamScores } from './nab-bench.js';

const T0 = Date.UTC(2014, 3, 1);
const STEP = 5 * 60_000;
const ROWS = 1000;

/** Noise around a level, with `event(i)` added. */
function series(seed: number, event: (i: number) => number): number[] {
  const rand = mulberry32(seed);
  return Array.from({ length: ROWS }, (_, i) => 20 + (rand() * 2 - 1) + event(i));
}

const csv = (values: number[]): string =>
  `timestamp,value\n${values.map((v, i) => `${formatTimestamp(T0 + i * STEP)},${v.toFixed(4)}`).join('\n')}\n`;
const label = (row: number): string => `${formatTimestamp(T0 + row * STEP)}.000000`;
const profile = (fpWeight: number, fnWeight: number) => ({ CostMatrix: { tpWeight: 1.0, fnWeight, fpWeight, tnWeight: 1.0 } });

/** A NAB-layout folder: a spike and a level shift inside labelled windows, and a file of plain noise. */
const FILES: Record<string, { values: number[]; windows: [number, number][] }> = {
  'synthetic/spike.csv': { values: series(1, (i) => (i === 700 ? 25 : 0)), windows: [[650, 749]] },
  'synthetic/shift.csv': { values: series(2, (i) => (i >= 600 ? 8 : 0)), windows: [[550, 649]] },
  'quiet/noise.csv': { values: series(3, () => 0), windows: [] },
};

describe('nabBench on a synthetic folder in NAB layout', () => {
  let root = '';
  let data = '';
  let out = '';

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'nab-bench-'));
    data = path.join(root, 'nab');
    out = path.join(root, 'out');
    const windows: Record<string, string[][]> = {};
    for (const [rel, f] of Object.entries(FILES)) {
      await mkdir(path.join(data, 'data', path.dirname(rel)), { recursive: true });
      await writeFile(path.join(data, 'data', rel), csv(f.values));
      windows[rel] = f.windows.map(([a, b]) => [label(a), label(b)]);
    }
    await mkdir(path.join(data, 'labels'), { recursive: true });
    await writeFile(path.join(data, 'labels', 'combined_windows.json'), JSON.stringify(windows, null, 4));
    await mkdir(path.join(data, 'config'), { recursive: true });
    const profiles = { standard: profile(0.11, 1), reward_low_FP_rate: profile(0.22, 1), reward_low_FN_rate: profile(0.11, 2) };
    await writeFile(path.join(data, 'config', 'profiles.json'), JSON.stringify(profiles));
    await mkdir(path.join(data, 'results'), { recursive: true });
    const board = { null: { standard: 0, reward_low_FP_rate: 0, reward_low_FN_rate: 0 }, someone: { standard: 50, reward_low_FP_rate: 40, reward_low_FN_rate: 60 } };
    await writeFile(path.join(data, 'results', 'final_results.json'), JSON.stringify(board));
  });

  afterAll(async () => {
    if (root !== '') await rm(root, { recursive: true, force: true });
  });

  it('prints one JSON object with the scores, and reports progress per file', async () => {
    const lines: string[] = [];
    const progress: string[] = [];
    const io: BenchIo = { json: true, out: (l) => lines.push(l), progress: (l) => progress.push(l) };
    const result = await nabBench({ data, json: true, out }, io);

    expect(lines).toHaveLength(1);
    const json = JSON.parse(lines[0] ?? '') as Record<string, unknown> & { scores: Record<string, unknown> };
    expect(json).toMatchObject({ files: 3, windows: 2, detector: AWO_DETECTOR });
    for (const p of ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate']) expect(typeof json.scores[p]).toBe('number');
    expect(json['scoreboard']).toEqual({ null: { standard: 0, reward_low_FP_rate: 0, reward_low_FN_rate: 0 }, someone: { standard: 50, reward_low_FP_rate: 40, reward_low_FN_rate: 60 } });
    expect(json['artimeSameFiles']).toBeNull(); // no results/ARTime in this folder
    expect(typeof json['seconds']).toBe('number');
    expect(result.scores.standard).toBe(json.scores['standard']);
    for (const rel of Object.keys(FILES)) expect(progress.some((l) => l.includes(rel))).toBe(true);

    // The null detector scores 0; both events are caught, so the corpus scores well above it.
    expect(result.scores.standard).toBeGreaterThan(50);
    expect(result.counts.standard.detectedWindows).toBe(2);

    // The cross-validation ran: one fold per category, its score beside the in-sample one.
    const cv = json['crossValidated'] as { folds: { category: string }[]; scores: Record<string, number>; final: { params: Record<string, number> } };
    expect(cv.folds.map((f) => f.category)).toEqual(['quiet', 'synthetic']);
    expect(typeof cv.scores['standard']).toBe('number');
    expect(Object.keys(cv.final.params).sort()).toEqual(Object.keys(DEFAULT_DETECTOR_PARAMS).sort());
    expect(progress.some((l) => l.startsWith('nab cv:'))).toBe(true);
  });

  it('writes NAB result files; the clearly anomalous file alone scores above the null detector', async () => {
    const io: BenchIo = { json: false, out: () => {}, progress: () => {} };
    await nabBench({ data, json: false, out, noCv: true }, io);
    const corpus = await loadNabCorpus(data);
    const scores = await readDetectorScores(path.join(out, AWO_DETECTOR), AWO_DETECTOR, ['synthetic/spike.csv']);
    const spike = await scoreCorpus({ dataDir: data, detectorName: AWO_DETECTOR, scores, corpus, allowPartial: true });
    expect(spike.files).toBe(1);
    expect(spike.scores.standard).toBeGreaterThan(0);
    expect(spike.profiles['standard']?.detectedWindows).toBe(1);
    const text = await readFile(path.join(out, AWO_DETECTOR, 'quiet', `${AWO_DETECTOR}_noise.csv`), 'utf8');
    expect(text.split('\n')[0]).toBe('timestamp,value,anomaly_score,label,S(t)_standard,S(t)_reward_low_FP_rate,S(t)_reward_low_FN_rate');
  });

  it('streams: the score of a row does not depend on the rows after it', () => {
    const values = FILES['synthetic/spike.csv']?.values ?? [];
    const timestamps = Float64Array.from(values, (_, i) => T0 + i * STEP);
    const whole = streamScores({ values: Float64Array.from(values), timestamps }, createDefaultDetector());
    const cut = 705;
    const prefix = streamScores({ values: Float64Array.from(values.slice(0, cut)), timestamps: timestamps.slice(0, cut) }, createDefaultDetector());
    expect(Array.from(prefix)).toEqual(Array.from(whole.slice(0, cut)));
    expect(Math.max(...whole.slice(700, 701))).toBeGreaterThan(0.5); // the spike row itself
  });
});
