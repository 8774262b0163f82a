import { describe, it, expect } from 'vitest';
import { LevelShift, VolatilityRise } from './statistics.js';
import { mulberry32 } from '@awo/shared';

describe('LevelShift', () => {
  it('measures a step in the series’ units once the recent window has passed it', () => {
    const s = new LevelShift({ recent: 4, baseline: 20 });
    const out: (number | undefined)[] = [];
    for (let t = 0; t < 40; t++) out.push(s.next(10));
    expect(out.slice(0, 13).every((v) => v === undefined)).toBe(true); // 4 recent + 10 baseline points
    expect(out[39]).toBe(0);
    const step = [s.next(16), s.next(16), s.next(16), s.next(16)];
    expect(step).toEqual([1.5, 3, 4.5, 6]); // mean of the last 4 minus the baseline median
  });

  it('counts a spike 1/recent in the mean and not at all in the median; signed', () => {
    const mean = new LevelShift({ recent: 5, baseline: 50 });
    const median = new LevelShift({ recent: 5, baseline: 50, summary: 'median' });
    for (let t = 0; t < 60; t++) {
      mean.next(3);
      median.next(3);
    }
    expect(mean.next(-97)).toBe(-20);
    expect(median.next(-97)).toBe(0);
    expect(median.name).toBe('median-shift');
    expect(new LevelShift({ recent: 1, name: 'spike' }).name).toBe('spike');
  });

  it('skips non-finite values', () => {
    const s = new LevelShift({ recent: 1, baseline: 3, minBaseline: 3 });
    for (const v of [1, 1, 1]) s.next(v);
    expect(s.next(Number.NaN)).toBeUndefined();
    expect(s.next(4)).toBe(3);
  });
});

describe('VolatilityRise', () => {
  it('is ln of the rise in median |Δx|, 0 while steady or calmer', () => {
    const rand = mulberry32(3);
    const s = new VolatilityRise({ recent: 12, baseline: 200 });
    let steady = 0;
    for (let t = 0; t < 400; t++) steady = Math.max(steady, s.next(50 + (rand() * 2 - 1)) ?? 0);
    expect(steady).toBeLessThan(0.8); // noise of the medians only
    let last = 0;
    for (let t = 0; t < 12; t++) last = s.next(50 + 5 * (rand() * 2 - 1)) ?? 0;
    expect(last).toBeGreaterThan(Math.log(5) - 0.6);
    expect(last).toBeLessThan(Math.log(5) + 0.6);
    const calm = new VolatilityRise({ recent: 12, baseline: 100 });
    for (let t = 0; t < 150; t++) calm.next(rand() * 10);
    for (let t = 0; t < 7; t++) calm.next(5); // once most recent steps are 0...
    for (let t = 0; t < 20; t++) expect(calm.next(5)).toBe(0); // ...going flat is not a rise
  });

  it('ignores a single spike (medians of differences)', () => {
    const rand = mulberry32(4);
    const s = new VolatilityRise({ recent: 12, baseline: 200 });
    for (let t = 0; t < 300; t++) s.next(rand());
    expect(s.next(1000)).toBeLessThan(0.7);
    expect(s.next(rand())).toBeLessThan(0.7);
  });
});
