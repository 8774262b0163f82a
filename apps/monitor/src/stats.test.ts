import { describe, expect, it } from 'vitest';
import { percentile, percentiles } from './stats.js';

describe('percentile', () => {
  it('interpolates between the nearest ranks (R-7)', () => {
    const values = [15, 20, 35, 40, 50];
    expect(percentile(values, 0)).toBe(15);
    expect(percentile(values, 1)).toBe(50);
    expect(percentile(values, 0.5)).toBe(35);
    expect(percentile(values, 0.4)).toBeCloseTo(29);
    expect(percentile(values, 0.95)).toBeCloseTo(48);
  });

  it('does not depend on the order, and sorts numbers as numbers', () => {
    expect(percentile([100, 9, 20, 3], 0.5)).toBe(14.5);
    expect(percentiles([3, 1, 2], [0, 0.5, 1])).toEqual([1, 2, 3]);
  });

  it('is the value itself for one value and undefined for none', () => {
    expect(percentile([7], 0.95)).toBe(7);
    expect(percentile([], 0.5)).toBeUndefined();
    expect(percentiles([], [0.5, 0.95])).toEqual([undefined, undefined]);
  });

  it('p95 of 1..100 is 95.05', () => {
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 0.95)).toBeCloseTo(95.05);
  });

  it('refuses a quantile outside [0, 1]', () => {
    expect(() => percentile([1], 95)).toThrow(/within \[0, 1\]/);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});
