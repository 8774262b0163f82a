import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detector } from '@awo/analyzer';
import { mulberry32 } from '@awo/shared';
import { streamScores } from '../nab-bench.js';
import { categoryOf, crossValidate, type Params } from './cv.js';
import { formatTimestamp, loadNabCorpus, type NabCorpus } from './index.js';

const T0 = Date.UTC(2014, 3, 1);
const STEP = 5 * 60_000;
const ROWS = 800;

/** Noise around 20 with an event of `size` at row 600 (a spike up in `ups/`, a dip in `downs/`). */
function values(seed: number, size: number): number[] {
  const rand = mulberry32(seed);
  return Array.from({ length: ROWS }, (_, i) => 20 + (rand() * 2 - 1) + (i === 600 ? size : 0));
}

const FILES: Record<string, number[]> = {
  'ups/a.csv': values(1, 15),
  'ups/b.csv': values(2, 15),
  'downs/c.csv': values(3, -15),
  'downs/d.csv': values(4, -15),
};

/**
 * A detector with one parameter, `side`: 1 flags values above 30 (the spikes up), 0 values below
 * 10 (the dips). Each category wants the other side from the other category's: a tuning that
 * sees the held-out category would pick its side.
 */
const make = (p: Params): Detector => ({
  method: 'side',
  update: (v) => {
    const hit = p['side'] === 1 ? v > 30 : v < 10;
    return { method: 'side', score: hit ? 1 : 0, raw: v, threshold: 0.5, anomalous: hit };
  },
});

describe('crossValidate (leave one category out)', () => {
  let root = '';
  let corpus: NabCorpus;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'nab-cv-'));
    const windows: Record<string, string[][]> = {};
    const stamp = (row: number) => formatTimestamp(T0 + row * STEP);
    for (const [rel, v] of Object.entries(FILES)) {
      await mkdir(path.join(root, 'data', path.dirname(rel)), { recursive: true });
      await writeFile(path.join(root, 'data', rel), `timestamp,value\n${v.map((x, i) => `${stamp(i)},${x.toFixed(4)}`).join('\n')}\n`);
      windows[rel] = [[`${stamp(580)}.000000`, `${stamp(640)}.000000`]];
    }
    await mkdir(path.join(root, 'labels'), { recursive: true });
    await writeFile(path.join(root, 'labels', 'combined_windows.json'), JSON.stringify(windows));
    await mkdir(path.join(root, 'config'), { recursive: true });
    const profile = (fp: number, fn: number) => ({ CostMatrix: { tpWeight: 1, fnWeight: fn, fpWeight: fp, tnWeight: 1 } });
    await writeFile(path.join(root, 'config', 'profiles.json'), JSON.stringify({ standard: profile(0.11, 1), reward_low_FP_rate: profile(0.22, 1), reward_low_FN_rate: profile(0.11, 2) }));
    corpus = await loadNabCorpus(root);
  });

  afterAll(async () => {
    if (root !== '') await rm(root, { recursive: true, force: true });
  });

  it('names a file’s category by its folder', () => {
    expect(categoryOf({ relativePath: 'realTweets/Twitter_volume_AAPL.csv' })).toBe('realTweets');
  });

  it('scores each category with parameters chosen without it, so a category-specific setting does not carry over', () => {
    const progress: string[] = [];
    const cv = crossValidate(corpus, make, (s, d) => streamScores(s, d), { start: { side: 0 }, grid: { side: [0, 1] } }, (l) => progress.push(l));
    expect(cv.categories).toEqual(['downs', 'ups']);
    // Without `downs`, the search sees only spikes up and picks side 1, which misses the dips.
    const downs = cv.folds.find((f) => f.category === 'downs')!;
    expect(downs.params).toEqual({ side: 1 });
    expect(downs.trainStandard).toBeGreaterThan(90);
    expect(downs.detectedWindows).toBe(0);
    expect(cv.folds.find((f) => f.category === 'ups')!.params).toEqual({ side: 0 });
    // Every window missed when held out: the cross-validated score is the null detector's (0),
    // while a tuning on all data catches one side's windows (half of them).
    expect(cv.scores.standard).toBeCloseTo(0, 9);
    expect(cv.final.scores.standard).toBeGreaterThan(40);
    expect(cv.candidates).toBe(2);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('refuses a corpus of one category', () => {
    const one = { ...corpus, series: corpus.series.filter((s) => categoryOf(s) === 'ups') };
    expect(() => crossValidate(one, make, (s, d) => streamScores(s, d), { start: { side: 0 }, grid: {} })).toThrow(/at least 2 categories/);
  });
});
