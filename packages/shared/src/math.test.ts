import { describe, expect, it } from 'vitest';
import { median, quantile, quantiles, quantileSorted, REDIS_RECONNECT, retryDelay } from './math.js';

describe('quantile', () => {
  it('linear (R-7) interpolates between ranks', () => {
    expect(quantile([15, 20, 35, 40, 50], 0.4)).toBeCloseTo(29);
    expect(quantile([100, 9, 20, 3], 0.5)).toBe(14.5);
    expect(quantiles([3, 1, 2], [0, 0.5, 1])).toEqual([1, 2, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('nearest-rank takes the ⌈q·n⌉-th smallest, a value that occurred', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5, 'nearest-rank')).toBe(2);
    expect(quantileSorted([1, 2, 3, 4], 0, 'nearest-rank')).toBe(1);
    expect(quantileSorted([1, 2, 3, 4], 1, 'nearest-rank')).toBe(4);
    expect(quantile(Array.from({ length: 100 }, (_, i) => 100 - i), 0.95, 'nearest-rank')).toBe(95);
  });

  it('is NaN for no values and refuses q outside [0, 1]', () => {
    expect(quantile([], 0.5)).toBeNaN();
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
    expect(() => quantile([1], Number.NaN, 'nearest-rank')).toThrow(RangeError);
  });
});

describe('retryDelay', () => {
  it('doubles from initial up to max, 0 before a failure', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 40].map((n) => retryDelay(n, { initial: 200, max: 5000 }))).toEqual([0, 200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it('with jitter waits between half the delay and the delay', () => {
    for (let n = 1; n < 12; n++) {
      const full = Math.min(REDIS_RECONNECT.max, REDIS_RECONNECT.initial * 2 ** (n - 1));
      const d = retryDelay(n);
      expect(d).toBeGreaterThanOrEqual(Math.round(full / 2));
      expect(d).toBeLessThanOrEqual(full);
    }
  });
});
