import { describe, expect, it } from 'vitest';
import { gaussian, mulberry32 } from '@awo/shared';
import type { Forecaster } from '../forecast/types.js';
import { crossingFromForecast, forecastCrossing } from './crossing.js';

describe('crossingFromForecast', () => {
  const forecast = (value: number, upper: number, lower = 0) => ({ value, lower, upper, horizon: 60_000 });

  it('interpolates the time at which the point forecast and the upper bound reach the limit', () => {
    const r = crossingFromForecast(0.02, forecast(0.08, 0.12), 0.05);
    expect(r.status).toBe('likely');
    expect(r.timeToCrossing).toBeCloseTo(30_000, 9); // 60 000 · 0.03 / 0.06
    expect(r.earliest).toBeCloseTo(18_000, 9); // 60 000 · 0.03 / 0.10
  });

  it('says possible when only the bound crosses, clear when nothing does, crossed when already beyond', () => {
    expect(crossingFromForecast(0.02, forecast(0.04, 0.07), 0.05)).toMatchObject({ status: 'possible', timeToCrossing: undefined, earliest: 36_000 });
    expect(crossingFromForecast(0.02, forecast(0.03, 0.04), 0.05)).toMatchObject({ status: 'clear', timeToCrossing: undefined, earliest: undefined });
    expect(crossingFromForecast(0.06, forecast(0.01, 0.02), 0.05)).toMatchObject({ status: 'crossed', timeToCrossing: 0, earliest: 0 });
    expect(crossingFromForecast(0.05, forecast(0.05, 0.05), 0.05).status).toBe('clear'); // at the limit is not beyond it
  });

  it('works for a limit below', () => {
    const r = crossingFromForecast(0.99, { value: 0.93, lower: 0.9, upper: 0.96, horizon: 10 }, 0.95, 'below');
    expect(r.status).toBe('likely');
    expect(r.timeToCrossing).toBeCloseTo((10 * 0.04) / 0.06, 9);
    expect(r.earliest).toBeCloseTo((10 * 0.04) / 0.09, 9);
  });
});

describe('forecastCrossing', () => {
  const g = gaussian(mulberry32(3));
  // A null rate climbing 0.001 per step from 0.01, with a little noise: 0.05 is reached at step 40.
  const ramp = Array.from({ length: 30 }, (_, t) => 0.01 + 0.001 * t + 0.0003 * g());

  it('finds the step at which a rising rate is forecast to cross', () => {
    const r = forecastCrossing(ramp, 0.05, { horizon: 20 });
    expect(r?.status).toBe('likely');
    expect(r?.timeToCrossing).toBeGreaterThanOrEqual(10);
    expect(r?.timeToCrossing).toBeLessThanOrEqual(12);
    expect(r?.earliest).toBeLessThanOrEqual(r!.timeToCrossing!);
    expect(r?.observed).toBe(ramp.at(-1));
    const ms = forecastCrossing(ramp, 0.05, { horizon: 20, stepMs: 10_000 });
    expect(ms?.timeToCrossing).toBe(r!.timeToCrossing! * 10_000);
  });

  it('is possible or clear when the horizon is short or the rate is flat', () => {
    const short = forecastCrossing(ramp, 0.05, { horizon: 5 });
    expect(short?.status === 'clear' || short?.status === 'possible').toBe(true);
    expect(short?.timeToCrossing).toBeUndefined();
    const flat = Array.from({ length: 30 }, () => 0.01 + 0.0003 * g());
    expect(forecastCrossing(flat, 0.05, { horizon: 100 })?.status).toBe('clear');
  });

  it('reports a crossing already happened, and nothing on too little data', () => {
    expect(forecastCrossing([0.01, 0.02, 0.06], 0.05, { horizon: 5 })).toMatchObject({ status: 'crossed', timeToCrossing: 0 });
    expect(forecastCrossing([0.01, Number.NaN], 0.05, { horizon: 5 })).toBeUndefined();
    expect(forecastCrossing([], 0.05, { horizon: 5 })).toBeUndefined();
  });

  it('uses the forecaster it is given', () => {
    const seen: number[] = [];
    const stub: Forecaster = (series, h) => {
      seen.push(h);
      const value = series.at(-1)! + 0.01 * h;
      return { model: 'stub', value, lower: value, upper: value, horizon: h };
    };
    expect(forecastCrossing([0.02], 0.05, { horizon: 10, forecaster: stub })).toMatchObject({ status: 'likely', timeToCrossing: 4, earliest: 4 });
    expect(seen).toEqual([1, 2, 3, 4]);
  });
});
