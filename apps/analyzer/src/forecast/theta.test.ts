import { describe, expect, it } from 'vitest';
import { runSes, theta } from './theta.js';

describe('theta', () => {
  it('forecasts a constant series as that constant, with a zero-width interval', () => {
    const f = theta(Array.from({ length: 50 }, () => 7), 10)!;
    expect(f.model).toBe('theta');
    expect(f.value).toBeCloseTo(7, 12);
    expect(f.upper - f.lower).toBeCloseTo(0, 12);
  });

  it('follows a trend at half the slope of the line (the theta-0 / theta-2 combination)', () => {
    const ys = Array.from({ length: 100 }, (_, t) => 2 * t);
    const h = 10;
    const f = theta(ys, h)!;
    // SES lags a line; the drift b/2 · (h − 1 + 1/α …) moves it forward, but by half the slope only.
    expect(f.value).toBeGreaterThan(ys[99]!);
    expect(f.value).toBeLessThan(2 * (99 + h));
  });

  it('smooths a burst away instead of repeating it (unlike the naive forecast)', () => {
    const ys: number[] = Array.from({ length: 300 }, (_, t) => (t % 2 === 0 ? 10 : 12));
    ys.push(60); // one burst on the last point
    const f = theta(ys, 5)!;
    expect(f.value).toBeLessThan(35);
    expect(f.value).toBeGreaterThan(10);
  });

  it('runs simple exponential smoothing: the level after a step moves by α of the gap', () => {
    expect(runSes([0, 0, 10], 0.3).level).toBeCloseTo(3, 12);
    expect(runSes([0, 0, 10], 0.3).sse).toBeCloseTo(100, 12);
    expect(theta([1, 2], 1)).toBeNull();
  });
});
