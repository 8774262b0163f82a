import { describe, it, expect } from 'vitest';
import { fitHoltWinters, holtWinters } from './holt-winters.js';
import { mulberry32 } from '@awo/shared';

const truth = (t: number) => 100 + 0.5 * t + 10 * Math.sin((2 * Math.PI * t) / 24) + (t % 24 === 5 ? 8 : 0);

describe('holtWinters', () => {
  it('forecasts a noiseless seasonal + trend series within 1%', () => {
    const n = 24 * 10;
    const series = Array.from({ length: n }, (_, t) => truth(t));
    for (let h = 1; h <= 48; h++) {
      const f = holtWinters(series, h, { season: 24 })!;
      expect(f.model).toBe('holt-winters');
      const expected = truth(n - 1 + h);
      expect(Math.abs(f.value - expected) / expected).toBeLessThan(0.01);
      expect(f.lower).toBeLessThanOrEqual(f.value);
      expect(f.upper).toBeGreaterThanOrEqual(f.value);
    }
  });

  it('stays close on a noisy seasonal series, with a sensible interval', () => {
    const rand = mulberry32(3);
    const n = 24 * 12;
    const series = Array.from({ length: n }, (_, t) => truth(t) + (rand() - 0.5) * 2);
    const f = holtWinters(series, 6, { season: 24, level: 0.95 })!;
    expect(Math.abs(f.value - truth(n - 1 + 6)) / truth(n - 1 + 6)).toBeLessThan(0.01);
    expect(f.upper - f.lower).toBeGreaterThan(0);
    expect(f.upper - f.lower).toBeLessThan(10);
  });

  it("falls back to Holt's linear method without a season or with under two seasons", () => {
    const line = Array.from({ length: 40 }, (_, t) => 3 - 0.25 * t);
    const f = holtWinters(line, 10)!;
    expect(f.model).toBe('holt');
    expect(f.value).toBeCloseTo(3 - 0.25 * 49, 6);
    expect(holtWinters(line, 1, { season: 24 })!.model).toBe('holt');
  });

  it('can keep updating after the fit (streaming variant)', () => {
    const series = Array.from({ length: 24 * 12 }, (_, t) => truth(t));
    const model = fitHoltWinters(series.slice(0, 24 * 6), { season: 24 })!;
    for (const y of series.slice(24 * 6)) model.update(y);
    expect(model.predict(1)).toBeCloseTo(truth(series.length), 3);
    expect(model.forecast(3)!.horizon).toBe(3);
  });

  it('returns null with too little data', () => {
    expect(holtWinters([1, 2], 1)).toBeNull();
    expect(holtWinters([1, 2, 3, 4], 0)).toBeNull();
  });
});
