import { describe, expect, it } from 'vitest';
import { holtWinters, SeriesState } from '@awo/analyzer';
import { analyzerModels, analyzerSelector, atFiveMinutes, evaluateSeries, SharedHoltWinters } from './forecast-bench.js';
import { parseTrace } from './trace-csv.js';

/** A daily-ish cycle of `season` steps with deterministic wiggles and a slow trend. */
function series(n: number, season: number): number[] {
  return Array.from({ length: n }, (_, t) => 100 + 40 * Math.sin((2 * Math.PI * t) / season) + 10 * Math.sin(t * 1.7) + 0.02 * t);
}

describe('forecast bench', () => {
  it('shares one Holt–Winters fit across horizons with the same result as holtWinters', () => {
    const ys = series(500, 24);
    const hw = new SharedHoltWinters();
    hw.t = 500;
    for (const h of [1, 5, 15, 60]) expect(hw.fn(ys, h, { season: 24 })).toEqual(holtWinters(ys, h, { season: 24 }));
    expect(hw.fits).toBe(1);
  });

  it('runs the selector exactly as the analyzer’s SeriesState does (season > 200: refit every 5)', () => {
    const season = 210;
    const window = 720;
    const ys = series(1000, season);
    const horizons = [1, 12];
    const hw = new SharedHoltWinters();
    const models = analyzerModels(season, hw);
    const selectors = horizons.map((h) => analyzerSelector(models, h, season, window));
    const states = horizons.map((h) => new SeriesState('s', window, { series: 's', horizonMs: h * 1000, stepMs: 1000, season, models: undefined }, undefined));
    ys.forEach((y, t) => {
      hw.t = t + 1;
      selectors.forEach((s) => s.observe(y));
      states.forEach((s) => s.observe(y, { id: String(t) }));
      if ((t + 1) % 5 === 0) {
        horizons.forEach((_, i) => {
          expect(selectors[i]?.forecast()).toEqual(states[i]?.forecastNow()?.forecast);
        });
      }
    });
  }, 30_000); // 1000 points through two selectors and two SeriesStates: seconds on CI's 2 loaded cores

  it('gives the seasonal naive a MASE of 0 on a purely periodic series', () => {
    const ys = Array.from({ length: 200 }, (_, t) => [5, 1, 3, 8][t % 4] as number);
    const ev = evaluateSeries(ys, { season: 4, horizons: [1, 3], window: 50, warmup: 40, stride: 5 });
    expect(ev.scaleLag).toBe(4);
    expect(ev.scale).toBe(0);
    // A zero scale makes MASE undefined, so check the errors through sMAPE instead.
    expect(ev.scores['seasonal-naive']?.[1]?.smape).toBe(0);
    expect(ev.scores['seasonal-naive']?.[3]?.smape).toBe(0);
    expect(ev.origins).toBe(32); // seen = 40, 45, …, 195
  });

  it('sums a per-minute trace to 5 minutes', () => {
    const text = ['t,v', ...Array.from({ length: 10 }, (_, i) => `${60 * i},${i}`)].join('\n');
    const { trace, resampledFrom } = atFiveMinutes(parseTrace(text));
    expect(resampledFrom).toBe(60);
    expect([...trace.values]).toEqual([10, 35]);
  });
});
