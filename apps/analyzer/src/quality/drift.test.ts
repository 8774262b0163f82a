import { describe, expect, it } from 'vitest';
import { gaussian, mulberry32 } from '@awo/shared';
import { binOf, kolmogorovQ, ksTest, populationStabilityIndex, psiEdges, psiFromCounts, psiLevel } from './drift.js';

function normal(seed: number, n: number, mean = 0, sd = 1): number[] {
  const g = gaussian(mulberry32(seed));
  return Array.from({ length: n }, () => mean + sd * g());
}

describe('population stability index', () => {
  it('cuts bins at the reference quantiles so each holds a tenth of it', () => {
    const ref = Array.from({ length: 100 }, (_, i) => i + 1);
    const edges = psiEdges(ref);
    expect(edges).toHaveLength(9);
    expect(edges[0]).toBeCloseTo(10.9, 12);
    const counts = new Array<number>(10).fill(0);
    for (const v of ref) counts[binOf(edges, v)]! += 1;
    expect(counts).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10]);
    expect(populationStabilityIndex(ref, ref)).toBe(0);
    expect(psiEdges([5, 5, 5, 5])).toEqual([5]); // ties collapse into fewer bins
  });

  it('matches the formula on hand counts, with the epsilon for an empty bin', () => {
    // r = (0.5, 0.5), c = (0.25, 0.75): (0.25−0.5)·ln(0.5) + (0.75−0.5)·ln(1.5)
    expect(psiFromCounts([2, 2], [1, 3])).toBeCloseTo(0.25 * Math.log(2) + 0.25 * Math.log(1.5), 12);
    expect(psiFromCounts([1, 1], [0, 4], 1e-4)).toBeCloseTo((1e-4 - 0.5) * Math.log(1e-4 / 0.5) + 0.5 * Math.log(2), 12);
    expect(psiFromCounts([1, 1], [0, 0])).toBe(0);
  });

  it('is low for the same distribution and high for a shifted mean or a changed variance', () => {
    const ref = normal(1, 2000);
    const same = populationStabilityIndex(ref, normal(2, 2000));
    const shifted = populationStabilityIndex(ref, normal(3, 2000, 1));
    const wider = populationStabilityIndex(ref, normal(4, 2000, 0, 2));
    expect(same).toBeLessThan(0.02);
    expect(psiLevel(same)).toBe('stable');
    expect(psiLevel(populationStabilityIndex(ref, normal(5, 2000, 0.4)))).toBe('moderate');
    expect(shifted).toBeGreaterThan(0.25);
    expect(psiLevel(shifted)).toBe('significant');
    expect(wider).toBeGreaterThan(0.25);
  });

  it('reads 0.1 and 0.25 as the usual limits', () => {
    expect([0, 0.099, 0.1, 0.249, 0.25, 3].map(psiLevel)).toEqual(['stable', 'stable', 'moderate', 'moderate', 'significant', 'significant']);
  });
});

describe('Kolmogorov–Smirnov', () => {
  it('gives the textbook statistic on small hand examples', () => {
    const r = ksTest([1, 2, 3, 4, 5], [3, 4, 5, 6, 7]);
    expect(r.statistic).toBeCloseTo(0.4, 15);
    expect(r.pValue).toBeCloseTo(0.6974048780205908, 9); // Q_KS((√2.5 + 0.12 + 0.11/√2.5) · 0.4)
    expect(ksTest([1, 1, 2], [1, 2, 2]).statistic).toBeCloseTo(1 / 3, 15); // ties step together
    expect(ksTest([1, 2, 3], [1, 2, 3])).toEqual({ statistic: 0, pValue: 1, n: 3, m: 3 });
    expect(ksTest([1, 2], [3, 4]).statistic).toBe(1);
    expect(ksTest([], [1])).toEqual({ statistic: 0, pValue: 1, n: 0, m: 1 });
  });

  it('has the Kolmogorov distribution tail (reference values from scipy kstwobign.sf)', () => {
    const cases: [number, number][] = [
      [0.3, 0.9999906941986655],
      [0.5, 0.9639452436648751],
      [1.0, 0.26999967167735456],
      [1.18, 0.1234538094297657],
      [1.224, 0.09992557750630869],
      [1.358, 0.05002679733444698],
      [1.628, 0.009975522431181053],
      [2.0, 0.0006709252557796953],
    ];
    for (const [lambda, q] of cases) expect(kolmogorovQ(lambda)).toBeCloseTo(q, 12);
    expect(kolmogorovQ(1.18 - 1e-12)).toBeCloseTo(kolmogorovQ(1.18), 10);
    expect(kolmogorovQ(0)).toBe(1);
    expect(kolmogorovQ(10)).toBeLessThan(1e-80);
  });

  it('has a high p-value for the same distribution and a tiny one for a shift in mean or variance', () => {
    const ref = normal(11, 1000);
    expect(ksTest(ref, normal(12, 1000)).pValue).toBeGreaterThan(0.05);
    expect(ksTest(ref, normal(13, 1000, 0.5)).pValue).toBeLessThan(1e-10);
    expect(ksTest(ref, normal(14, 1000, 0, 2)).pValue).toBeLessThan(1e-6);
  });
});
