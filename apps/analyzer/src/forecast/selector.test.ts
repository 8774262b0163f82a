import { describe, it, expect } from 'vitest';
import { ModelSelector, defaultForecasters } from './selector.js';
import type { Forecaster } from './types.js';
import { mulberry32, gaussian } from '@awo/shared';

/** A strongly seasonal series whose daily shape drifts slowly: y[t] = y[t - 24] + small noise. */
function seasonalSeries(n: number, seed: number): number[] {
  const rand = mulberry32(seed);
  const noise = gaussian(rand);
  const ys: number[] = [];
  for (let t = 0; t < n; t++) ys.push(t < 24 ? 50 + 20 * rand() : ys[t - 24]! + 0.5 * noise());
  return ys;
}

describe('ModelSelector', () => {
  it('picks seasonal naive on a strongly seasonal series', () => {
    const selector = new ModelSelector(defaultForecasters(24), 3, { season: 24 });
    for (const y of seasonalSeries(24 * 20, 5)) selector.observe(y);
    const errors = selector.errors();
    expect(selector.best()?.model).toBe('seasonal-naive');
    expect(errors['linear-trend']!.mae).toBeGreaterThan(2 * errors['seasonal-naive']!.mae);
    const f = selector.forecast()!;
    expect(f.model).toBe('seasonal-naive');
    expect(f.horizon).toBe(3);
    expect(f.lower).toBeLessThanOrEqual(f.value);
    expect(f.upper).toBeGreaterThanOrEqual(f.value);
  });

  it('picks linear trend on a straight noisy ramp', () => {
    const noise = gaussian(mulberry32(11));
    const selector = new ModelSelector(defaultForecasters(), 5);
    for (let t = 0; t < 300; t++) selector.observe(10 + 0.5 * t + noise());
    expect(selector.best()?.model).toBe('linear-trend');
    const f = selector.forecast()!;
    expect(f.model).toBe('linear-trend');
    expect(f.value).toBeCloseTo(10 + 0.5 * 304, -1);
  });

  it('uses seasonal naive until a model has enough scored points', () => {
    const selector = new ModelSelector(defaultForecasters(4), 2, { season: 4, minScored: 10 });
    expect(selector.forecast()).toBeNull();
    expect(selector.best()).toBeUndefined();
    for (let t = 0; t < 8; t++) selector.observe(t % 4);
    expect(selector.best()).toBeUndefined();
    expect(selector.forecast()?.model).toBe('seasonal-naive');
    expect(selector.errors()['seasonal-naive']!.n).toBeLessThan(10);
    for (let t = 8; t < 40; t++) selector.observe(t % 4);
    expect(selector.best()).toBeDefined();
    // scored from t = 5 on: the first seasonal difference (the error scale) is known at t = 4
    expect(selector.errors()['seasonal-naive']).toEqual({ mae: 0, n: 35 });
  });

  it('scores each point against the forecast made h steps earlier', () => {
    // A model that always forecasts 0 and one that forecasts the true future of y[t] = t.
    const zero: Forecaster = (_s, h) => ({ model: 'zero', value: 0, lower: 0, upper: 0, horizon: h });
    const oracle: Forecaster = (s, h) => {
      const v = s.length - 1 + h;
      return { model: 'oracle', value: v, lower: v, upper: v, horizon: h };
    };
    const selector = new ModelSelector(
      [
        { name: 'zero', fn: zero },
        { name: 'oracle', fn: oracle },
      ],
      4,
      { minScored: 3 },
    );
    for (let t = 0; t < 30; t++) selector.observe(t);
    // forecasts made at t = 0..25 are scored at t = 4..29
    expect(selector.errors()['oracle']).toEqual({ mae: 0, n: 30 - 4 });
    expect(selector.errors()['zero']!.mae).toBeGreaterThan(1);
    expect(selector.best()).toEqual({ model: 'oracle', error: 0 });
    expect(selector.forecast()).toMatchObject({ model: 'oracle', value: 29 + 4 });
  });

  it('refits only every k points and keeps a bounded window', () => {
    let calls = 0;
    let longest = 0;
    const spy: Forecaster = (s, h) => {
      calls++;
      longest = Math.max(longest, s.length);
      return { model: 'spy', value: s[s.length - 1]!, lower: 0, upper: 0, horizon: h };
    };
    const selector = new ModelSelector([{ name: 'spy', fn: spy }], 2, { refitEvery: 5, maxWindow: 50 });
    for (let t = 0; t < 1000; t++) selector.observe(Math.sin(t));
    expect(calls).toBe(200);
    expect(longest).toBe(50);
    expect(selector.errors()['spy']!.n).toBeLessThanOrEqual(200);
    expect(selector.count).toBe(1000);
  });

  it('ignores non-finite values and survives a throwing model', () => {
    const boom: Forecaster = () => {
      throw new Error('boom');
    };
    const selector = new ModelSelector([{ name: 'boom', fn: boom }, ...defaultForecasters()], 1, { minScored: 1 });
    for (const y of [1, Number.NaN, 2, Number.POSITIVE_INFINITY, 3, 4]) selector.observe(y);
    expect(selector.count).toBe(4);
    expect(selector.errors()['boom']).toEqual({ mae: Number.NaN, n: 0 });
    expect(selector.forecast()).not.toBeNull();
  });

  it('offers naive (the last value), and picks it on a random walk', () => {
    const noise = gaussian(mulberry32(3));
    const classic = defaultForecasters(24).filter((m) => ['naive', 'seasonal-naive', 'linear-trend', 'holt-winters'].includes(m.name));
    const selector = new ModelSelector(classic, 1, { season: 24 });
    const all = new ModelSelector(defaultForecasters(24), 1, { season: 24 });
    let level = 100;
    for (let t = 0; t < 24 * 20; t++) {
      level += noise();
      selector.observe(level);
      all.observe(level);
    }
    expect(selector.best()?.model).toBe('naive');
    expect(selector.forecast()).toMatchObject({ model: 'naive', value: level });
    // With the damped trend and Theta (both can become the last value), whatever wins is as good as naive.
    const errors = all.errors();
    expect(all.best()!.error).toBeLessThanOrEqual(errors['naive']!.mae);
    expect(all.best()!.error).toBeGreaterThan(0.95 * errors['naive']!.mae);
  });

  it('clamps forecasts at 0 on a series that has never been negative', () => {
    const trend = defaultForecasters().filter((m) => m.name === 'linear-trend');
    const falling = new ModelSelector(trend, 10);
    for (let t = 0; t < 50; t++) falling.observe(100 - 2 * t);
    expect(falling.forecast()).toMatchObject({ value: 0, lower: 0 });
    const signed = new ModelSelector(trend, 10);
    for (let t = 0; t < 50; t++) signed.observe(-2 * t);
    expect(signed.forecast()!.value).toBeCloseTo(-2 * 59, 6);
  });

  it('rejects bad construction', () => {
    expect(() => new ModelSelector([], 1)).toThrow(RangeError);
    expect(() => new ModelSelector(defaultForecasters(), 0)).toThrow(RangeError);
    const twice = [...defaultForecasters(), ...defaultForecasters()];
    expect(() => new ModelSelector(twice, 1)).toThrow(RangeError);
  });
});
