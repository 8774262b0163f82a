import { describe, it, expect } from 'vitest';
import { linearTrend, linearTrendWithWindow } from './linear-trend.js';
import { mulberry32 } from '@awo/shared';

describe('linearTrend', () => {
  it('forecasts y = 2x + 1 exactly with a tiny interval', () => {
    const series = Array.from({ length: 100 }, (_, x) => 2 * x + 1);
    for (const h of [1, 5, 30]) {
      const f = linearTrend(series, h)!;
      expect(f.model).toBe('linear-trend');
      expect(f.value).toBeCloseTo(2 * (99 + h) + 1, 9);
      expect(f.upper - f.lower).toBeLessThan(1e-6);
      expect(f.lower).toBeLessThanOrEqual(f.value);
      expect(f.upper).toBeGreaterThanOrEqual(f.value);
    }
  });

  it('keeps precision on a large offset', () => {
    const series = Array.from({ length: 50 }, (_, x) => 1e9 + 0.25 * x);
    expect(linearTrend(series, 10)!.value).toBeCloseTo(1e9 + 0.25 * 59, 4);
  });

  it('fits only the last window of points', () => {
    const series = [...Array.from({ length: 100 }, () => 0), ...Array.from({ length: 60 }, (_, i) => 3 * i)];
    expect(linearTrend(series, 1)!.value).toBeCloseTo(180, 9);
    expect(linearTrendWithWindow(10)(series, 2)!.value).toBeCloseTo(3 * 61, 9);
  });

  it('gives an interval that contains the value and grows with the horizon on noisy data', () => {
    const rand = mulberry32(7);
    const series = Array.from({ length: 80 }, (_, x) => 0.5 * x + (rand() - 0.5) * 4);
    const f1 = linearTrend(series, 1)!;
    const f20 = linearTrend(series, 20)!;
    expect(f1.lower).toBeLessThan(f1.value);
    expect(f1.upper).toBeGreaterThan(f1.value);
    expect(f20.upper - f20.lower).toBeGreaterThan(f1.upper - f1.lower);
    expect(f20.value).toBeCloseTo(0.5 * 99, -1);
  });

  it('returns null with fewer than 3 points', () => {
    expect(linearTrend([1, 2], 1)).toBeNull();
    expect(linearTrend([1, 2, 3], 0)).toBeNull();
  });
});
