import { describe, it, expect } from 'vitest';
import { makeForecast, normalQuantile, tForLevel, zForLevel } from './interval.js';

describe('interval helpers', () => {
  it('gives the usual normal quantiles', () => {
    expect(zForLevel(0.95)).toBeCloseTo(1.96, 2);
    expect(zForLevel()).toBeCloseTo(1.645, 3);
    expect(zForLevel(7)).toBeCloseTo(1.645, 3); // invalid level -> default 0.9
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 6);
    expect(normalQuantile(1 - 1e-6)).toBeCloseTo(4.753424, 5);
  });

  it('gives Student-t quantiles close to the tables', () => {
    expect(tForLevel(0.95, 1)).toBeCloseTo(12.706, 2);
    expect(tForLevel(0.95, 2)).toBeCloseTo(4.303, 2);
    expect(tForLevel(0.95, 5)).toBeCloseTo(2.571, 2);
    expect(tForLevel(0.9, 10)).toBeCloseTo(1.812, 2);
    expect(tForLevel(0.99, 30)).toBeCloseTo(2.75, 2);
    expect(tForLevel(0.9, 1000)).toBeCloseTo(1.646, 3);
  });

  it('never builds an interval that excludes the value', () => {
    const f = makeForecast('m', 3, Number.NaN, 1);
    expect(f.lower).toBe(3);
    expect(f.upper).toBe(3);
    const g = makeForecast('m', 3, -1, 1);
    expect(g.lower).toBeLessThanOrEqual(g.value);
    expect(g.upper).toBeGreaterThanOrEqual(g.value);
  });
});
