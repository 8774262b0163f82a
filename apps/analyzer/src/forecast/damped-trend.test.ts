import { describe, expect, it } from 'vitest';
import { dampedSum, dampedTrend, runDamped } from './damped-trend.js';
import { linearTrend } from './linear-trend.js';

describe('dampedTrend (ETS(A,Ad,N))', () => {
  it('sums the damping factors: h without damping, at most φ/(1 − φ) with it', () => {
    expect(dampedSum(1, 7)).toBe(7);
    expect(dampedSum(0.5, 1)).toBeCloseTo(0.5, 12);
    expect(dampedSum(0.5, 2)).toBeCloseTo(0.75, 12);
    expect(dampedSum(0.9, 10_000)).toBeCloseTo(9, 9);
  });

  it('recovers a known trend: level and slope of a noiseless line', () => {
    const ys = Array.from({ length: 200 }, (_, t) => 50 + 3 * t);
    // Undamped (φ = 1) it is Holt's method, which tracks a line exactly.
    const state = runDamped(ys, { alpha: 0.5, beta: 0.3, phi: 1 });
    expect(state.level).toBeCloseTo(50 + 3 * 199, 6);
    expect(state.trend).toBeCloseTo(3, 6);
    expect(state.sse).toBeCloseTo(0, 6);
    // Fitted (φ at most 0.95, so it deliberately falls short of a line), one step ahead it stays within half a step.
    const f = dampedTrend(ys, 1)!;
    expect(f.model).toBe('damped-trend');
    expect(Math.abs(f.value - (50 + 3 * 200))).toBeLessThan(1.5);
  });

  it('does not extrapolate a trend that is levelling off as far as a straight line does', () => {
    // Growth that saturates: 100 · (1 − e^(−t/80)); the truth 60 steps on is near the last value.
    const ys = Array.from({ length: 300 }, (_, t) => 100 * (1 - Math.exp(-t / 80)));
    const truth = 100 * (1 - Math.exp(-(299 + 60) / 80));
    const damped = dampedTrend(ys, 60)!.value;
    const line = linearTrend(ys, 60)!.value;
    expect(Math.abs(damped - truth)).toBeLessThan(Math.abs(line - truth));
    expect(Math.abs(damped - truth)).toBeLessThan(1);
  });

  it('refuses too little data or a bad horizon, and gives an interval around the value', () => {
    expect(dampedTrend([1, 2, 3], 1)).toBeNull();
    expect(dampedTrend([1, 2, 3, 4, 5], 0)).toBeNull();
    const f = dampedTrend([5, 7, 6, 8, 7, 9, 8, 10], 3)!;
    expect(f.lower).toBeLessThan(f.value);
    expect(f.upper).toBeGreaterThan(f.value);
  });
});
