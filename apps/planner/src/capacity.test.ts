import { describe, expect, it } from 'vitest';
import { gaussian, mulberry32 } from '@awo/shared';
import { CapacityModel, capacityCeiling, fitUsl, uslThroughput } from './capacity.js';

/** Samples of a known USL curve at levels 1..maxN, `perLevel` each, with multiplicative Gaussian noise. */
function learn(curve: { lambda: number; sigma: number; kappa: number }, noise: number, seed: number, maxN = 32, perLevel = 20): CapacityModel {
  const normal = gaussian(mulberry32(seed));
  const model = new CapacityModel();
  for (let i = 0; i < perLevel; i++) for (let n = 1; n <= maxN; n++) model.observe(n, uslThroughput(curve, n) * (1 + noise * normal()));
  return model;
}

describe('fitUsl', () => {
  const curves = [
    { lambda: 20, sigma: 0.05, kappa: 0.002 },
    { lambda: 5, sigma: 0.1, kappa: 0.01 },
    { lambda: 100, sigma: 0.3, kappa: 0.001 },
    { lambda: 1.5, sigma: 0.08, kappa: 0.02 },
    { lambda: 8, sigma: 0.15, kappa: 0.005 },
  ];

  it.each(curves)('recovers σ and κ within 10%% from a noisy curve (λ $lambda, σ $sigma, κ $kappa)', (curve) => {
    for (const seed of [1, 2, 3]) {
      // Levels from 1 to about three times the peak (at most 32): the range an autoscaler visits.
      const maxN = Math.min(32, Math.round(3 * Math.sqrt((1 - curve.sigma) / curve.kappa)));
      const result = learn(curve, 0.03, seed, maxN).fit();
      if (!result.ok) throw new Error(result.reason);
      const { fit } = result;
      expect(Math.abs(fit.sigma - curve.sigma) / curve.sigma).toBeLessThan(0.1);
      expect(Math.abs(fit.kappa - curve.kappa) / curve.kappa).toBeLessThan(0.1);
      expect(Math.abs(fit.lambda - curve.lambda) / curve.lambda).toBeLessThan(0.1);
      expect(fit.constrained).toBeUndefined();
      expect(fit.peak).toBe(Math.floor(Math.sqrt((1 - fit.sigma) / fit.kappa)));
    }
  });

  it('is exact on a noise-free curve, and N* is the floor of √((1−σ)/κ)', () => {
    const result = fitUsl([1, 4, 9, 16].map((n) => ({ n, x: uslThroughput({ lambda: 10, sigma: 0.1, kappa: 0.025 }, n), samples: 1 })));
    expect(result).toMatchObject({ ok: true, fit: { levels: 4 } });
    if (!result.ok) return;
    expect(result.fit.lambda).toBeCloseTo(10, 6);
    expect(result.fit.sigma).toBeCloseTo(0.1, 6);
    expect(result.fit.kappa).toBeCloseTo(0.025, 6);
    expect(result.fit.peak).toBe(6); // √(0.9 / 0.025) = 6
  });

  it('refuses a fit with fewer than three distinct levels', () => {
    expect(fitUsl([])).toEqual({ ok: false, reason: expect.stringMatching(/0 distinct concurrency levels.*needs 3/) });
    const two = [1, 1, 4, 4].map((n) => ({ n, x: n * 2, samples: 5 }));
    expect(fitUsl(two)).toEqual({ ok: false, reason: expect.stringMatching(/2 distinct/) });
  });

  it('refuses coefficients that are not physical', () => {
    // Throughput that falls as 1/N² from one worker on: N/X grows as N³, a quadratic gives λ ≤ 0.
    const falling = [1, 2, 3, 4, 5].map((n) => ({ n, x: 100 / n ** 4, samples: 3 }));
    expect(fitUsl(falling)).toMatchObject({ ok: false, reason: expect.stringMatching(/not physical/) });
  });

  it('holds σ at 0 for a resource that is flat up to a hard limit, and finds its peak near the limit', () => {
    // Service time constant up to 6 in flight, growing as (N/6)² past it: X peaks at 6.
    const points = [1, 3, 5, 7, 9, 12].map((n) => ({ n, x: n / Math.max(1, (n / 6) ** 2), samples: 5 }));
    const result = fitUsl(points);
    expect(result).toMatchObject({ ok: true, fit: { sigma: 0, constrained: 'sigma' } });
    if (result.ok) expect(result.fit.peak).toBeGreaterThanOrEqual(4);
    if (result.ok) expect(result.fit.peak).toBeLessThanOrEqual(8);
  });

  it('gives no peak (no ceiling) for a curve without crosstalk', () => {
    const amdahl = [1, 2, 4, 8, 16].map((n) => ({ n, x: uslThroughput({ lambda: 3, sigma: 0.2, kappa: 0 }, n), samples: 3 }));
    const result = fitUsl(amdahl);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.fit.peak).toBeUndefined();
    expect(capacityCeiling(result)).toBeUndefined();
  });
});

describe('CapacityModel', () => {
  it('keeps bounded memory: a level is the median of its recent samples, and new levels past the bound are refused and counted', () => {
    const model = new CapacityModel({ maxLevels: 3, perLevel: 4, minSamples: 2 });
    for (const x of [100, 1, 2, 3, 4]) model.observe(1, x); // 100 left the window
    expect(model.points()).toEqual([{ n: 1, x: 2.5, samples: 4 }]);
    model.observe(2.4, 5); // rounds to level 2
    expect(model.points()).toHaveLength(1); // level 2 has one sample, needs two
    model.observe(2, 7);
    model.observe(3, 9);
    expect(model.observe(4, 9)).toBe(false);
    expect(model.refused).toBe(1);
    expect(model.observe(3, 9)).toBe(true); // a known level still learns
    expect(model.points().map((p) => p.n)).toEqual([1, 2, 3]);
    expect(model.observe(0, 5) || model.observe(2, Number.NaN) || model.observe(2, -1)).toBe(false);
  });

  it('says why there is no ceiling yet, and states N*, σ and κ once there is one', () => {
    const model = new CapacityModel({ minSamples: 1 });
    const curve = { lambda: 10, sigma: 0.1, kappa: 0.025 };
    model.observe(1, uslThroughput(curve, 1));
    model.observe(4, uslThroughput(curve, 4));
    expect(model.fit()).toEqual({ ok: false, reason: expect.stringMatching(/2 distinct concurrency levels/) });
    for (const n of [9, 16]) model.observe(n, uslThroughput(curve, n));
    const ceiling = capacityCeiling(model.fit());
    expect(ceiling?.n).toBe(6);
    expect(ceiling?.reason).toBe('capacity: throughput peaks at N* = 6 (USL fit over 4 concurrency levels: λ 10.00/s, σ 0.10, κ 0.025); more workers would lower it, so not past 6');
  });
});
