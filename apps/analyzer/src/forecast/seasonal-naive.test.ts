import { describe, it, expect } from 'vitest';
import { seasonalNaive } from './seasonal-naive.js';

const pattern = [5, 9, 2, 7, 7, 1, 4];
const periodic = Array.from({ length: 7 * 5 + 3 }, (_, t) => pattern[t % 7]!);

describe('seasonalNaive', () => {
  it('returns exactly the value one season back on a periodic series', () => {
    const n = periodic.length;
    for (let h = 1; h <= 20; h++) {
      const f = seasonalNaive(periodic, h, { season: 7 })!;
      expect(f.model).toBe('seasonal-naive');
      expect(f.horizon).toBe(h);
      expect(f.value).toBe(pattern[(n - 1 + h) % 7]);
      // no seasonal error in the past: a zero-width interval
      expect(f.lower).toBe(f.value);
      expect(f.upper).toBe(f.value);
    }
  });

  it('falls back to the last value without a season or with too little data', () => {
    expect(seasonalNaive([1, 2, 3], 2)).toMatchObject({ model: 'naive', value: 3 });
    expect(seasonalNaive([1, 2, 3], 2, { season: 7 })).toMatchObject({ model: 'naive', value: 3 });
  });

  it('widens the interval with the horizon and keeps lower <= value <= upper', () => {
    const series = [1, 3, 2, 4, 3, 5, 4, 6];
    const f1 = seasonalNaive(series, 1)!;
    const f4 = seasonalNaive(series, 4)!;
    expect(f4.upper - f4.lower).toBeCloseTo(2 * (f1.upper - f1.lower), 9); // sqrt(4) = 2
    const s1 = seasonalNaive(series, 1, { season: 2 })!;
    const s3 = seasonalNaive(series, 3, { season: 2, level: 0.5 })!;
    for (const f of [f1, f4, s1, s3]) {
      expect(f.lower).toBeLessThanOrEqual(f.value);
      expect(f.upper).toBeGreaterThanOrEqual(f.value);
    }
    expect(s1.upper - s1.lower).toBeGreaterThan(0);
  });

  it('returns null without data or with a bad horizon', () => {
    expect(seasonalNaive([], 1)).toBeNull();
    expect(seasonalNaive([1, 2], 0)).toBeNull();
  });
});
