import { describe, expect, it } from 'vitest';
import { gaussian, mulberry32 } from '@awo/shared';
import { DriftDetector } from './drift-detector.js';
import { populationStabilityIndex, ksTest } from './drift.js';
import type { DriftDetection } from './types.js';

function feed(d: DriftDetector, g: () => number, n: number, mean = 0, sd = 1): DriftDetection[] {
  return Array.from({ length: n }, () => d.update(mean + sd * g()));
}

describe('DriftDetector', () => {
  for (const method of ['psi', 'ks'] as const) {
    it(`${method}: quiet during warm-up, silent on the same distribution, flags a shift`, () => {
      const g = gaussian(mulberry32(7));
      const d = new DriftDetector({ method, reference: 500, window: 200 });
      const warm = feed(d, g, 699);
      expect(warm.every((r) => !r.anomalous && r.score === 0 && r.statistic === undefined)).toBe(true);
      expect(d.hasReference).toBe(true);
      const same = feed(d, g, 1000);
      expect(same.every((r) => r.statistic !== undefined)).toBe(true);
      expect(same.filter((r) => r.anomalous)).toHaveLength(0);
      const shifted = feed(d, g, 200, 1.5);
      const first = shifted.findIndex((r) => r.anomalous);
      expect(first).toBeGreaterThanOrEqual(0);
      expect(first).toBeLessThan(100);
      expect(shifted.at(-1)).toMatchObject({ method, anomalous: true });
      expect(shifted.at(-1)!.score).toBeGreaterThan(0.9);
    });
  }

  it('flags a change of variance', () => {
    const g = gaussian(mulberry32(8));
    const d = new DriftDetector({ method: 'psi' });
    feed(d, g, 1500);
    expect(feed(d, g, 200, 0, 3).at(-1)?.anomalous).toBe(true);
  });

  it('gives the batch statistics of its two windows', () => {
    const g = gaussian(mulberry32(9));
    const values = Array.from({ length: 150 }, () => g());
    const psi = new DriftDetector({ method: 'psi', reference: 100, window: 50 });
    const ks = new DriftDetector({ method: 'ks', reference: 100, window: 50 });
    let p: DriftDetection | undefined;
    let k: DriftDetection | undefined;
    for (const v of values) {
      p = psi.update(v);
      k = ks.update(v);
    }
    const ref = values.slice(0, 100);
    const cur = values.slice(100);
    expect(p?.statistic).toBeCloseTo(populationStabilityIndex(ref, cur), 12);
    expect(p?.raw).toBeCloseTo(p!.statistic!, 12);
    const batch = ksTest(ref, cur);
    expect(k?.statistic).toBeCloseTo(batch.statistic, 12);
    expect(k?.pValue).toBeCloseTo(batch.pValue, 12);
    expect(k?.raw).toBeCloseTo(-Math.log10(batch.pValue), 12);
    expect(k?.threshold).toBe(3);
  });

  it('skips non-finite values', () => {
    const d = new DriftDetector({ reference: 10, window: 10 });
    for (let i = 0; i < 19; i++) d.update(i % 3);
    expect(d.update(Number.NaN).statistic).toBeUndefined();
    expect(d.update(1).statistic).toBeDefined();
  });

  it('refreshes the reference after a stable period, never while drifting, and can be reset', () => {
    const g = gaussian(mulberry32(10));
    const d = new DriftDetector({ reference: 400, window: 200, refreshAfter: 250 });
    const before = feed(d, g, 400 + 199 + 249); // reference, warm-up, then 249 stable evaluations
    expect(before.filter((r) => r.statistic !== undefined && !r.anomalous)).toHaveLength(249);
    expect(d.update(g()).statistic).toBeDefined(); // the 250th stable evaluation refreshes the reference…
    expect(feed(d, g, 199).every((r) => r.statistic === undefined)).toBe(true); // …and the current window refills
    expect(d.update(g()).statistic).toBeDefined();
    const drifting = feed(d, g, 1000, 3);
    expect(drifting.slice(100).every((r) => r.anomalous)).toBe(true); // a drift is never learnt
    d.resetReference();
    expect(d.hasReference).toBe(false);
    expect(feed(d, g, 599, 3).every((r) => r.statistic === undefined)).toBe(true);
    expect(d.update(3 + g()).anomalous).toBe(false);
  });

  it('never refreshes on a stable run shorter than the window, so a sudden shift is not learnt', () => {
    const g = gaussian(mulberry32(10));
    const d = new DriftDetector({ reference: 400, window: 200, refreshAfter: 20 });
    feed(d, g, 400 + 199 + 300);
    const drifting = feed(d, g, 1000, 3);
    expect(drifting.slice(100).every((r) => r.anomalous)).toBe(true);
  });
});
