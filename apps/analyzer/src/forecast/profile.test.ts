import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@awo/shared';
import { SeasonalProfile } from './profile.js';
import { defaultForecasters, defaultOnlineForecasters, ModelSelector } from './selector.js';

const DAY = 24; // hourly steps

/** Hourly load: a daily cycle, low on weekends (days 5 and 6 of each week), a little noise. */
function weekly(n: number, seed = 3): number[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, (_, t) => {
    const day = Math.floor(t / DAY) % 7;
    const cycle = 50 + 30 * Math.sin((2 * Math.PI * (t % DAY)) / DAY);
    return (day >= 5 ? 0.3 : 1) * cycle + (rand() - 0.5) * 2;
  });
}

describe('SeasonalProfile', () => {
  it('learns a weekly profile and forecasts the weekend from past weekends', () => {
    const ys = weekly(8 * 7 * DAY);
    const p = new SeasonalProfile({ period: 7 * DAY, horizon: DAY, alpha: 0.3 });
    let worst = 0;
    for (let t = 0; t < ys.length - DAY; t++) {
      p.observe(ys[t]!);
      if (t >= 4 * 7 * DAY) worst = Math.max(worst, Math.abs(p.forecast(DAY)!.value - ys[t + DAY]!));
    }
    expect(worst).toBeLessThan(4); // noise ±1 per point; the weekend drop is 35 at the peak
  });

  it('carries a deviation forward while it persists: a shifted level is forecast near the new level', () => {
    const p = new SeasonalProfile({ period: DAY, horizon: 3, alpha: 0.05 });
    const rand = mulberry32(9);
    const level = (t: number) => (Math.floor(t / 50) % 2 === 0 ? 100 : 140); // regimes of 50 points
    for (let t = 0; t < 40 * DAY; t++) p.observe(level(t) + (rand() - 0.5));
    // The last point (t = 959) is in a 140 regime that goes on past the horizon.
    expect(level(40 * DAY - 1 + 3)).toBe(140);
    const f = p.forecast(3)!;
    expect(Math.abs(f.value - 140)).toBeLessThan(12);
  });

  it('keeps its state bounded: at most maxSlots slots, and forecasts nothing before a whole period', () => {
    const p = new SeasonalProfile({ period: 2016, horizon: 12, maxSlots: 1008 });
    for (let t = 0; t < 2000; t++) p.observe(t % 7);
    expect(p.forecast(12)).toBeNull();
    expect(p.forecast(5)).toBeNull(); // only its own horizon
    expect(() => new SeasonalProfile({ period: 1, horizon: 1 })).toThrow(/period/);
    expect(() => new SeasonalProfile({ period: 24, horizon: 0 })).toThrow(/horizon/);
  });

  it('on the log scale, forecasts the typical level of a bursty series instead of being pulled up by bursts', () => {
    const rand = mulberry32(5);
    const ys = Array.from({ length: 30 * DAY }, () => (rand() < 0.05 ? 500 : 10 + rand()));
    const make = (log: boolean) => new SeasonalProfile({ period: DAY, horizon: 1, alpha: 0.1, log });
    const lin = make(false);
    const log = make(true);
    for (const y of ys) {
      lin.observe(y);
      log.observe(y);
    }
    expect(Math.abs(log.forecast(1)!.value - 10.5)).toBeLessThan(Math.abs(lin.forecast(1)!.value - 10.5));
  });
});

describe('the selection with seasonal candidates', () => {
  it('picks a weekly model on a weekly series (the season given is a day)', () => {
    const ys = weekly(6 * 7 * DAY);
    // The seasonal candidates and naive (the fitted models are left out to keep the test quick).
    const models = defaultForecasters(DAY).filter((m) => ['naive', 'seasonal-naive', 'seasonal-naive-weekly'].includes(m.name));
    const selector = new ModelSelector(models, DAY, { season: DAY, maxWindow: 720, online: defaultOnlineForecasters(DAY) });
    for (const y of ys) selector.observe(y);
    const best = selector.best()!;
    expect(['seasonal-naive-weekly', 'profile-weekly']).toContain(best.model);
    const errors = selector.errors();
    expect(errors['seasonal-naive-weekly']!.mae).toBeLessThan(errors['seasonal-naive']!.mae);
  });

  it('feeds its online models every point and refuses duplicate names across both kinds', () => {
    const seen: number[] = [];
    const online = [{ name: 'count', create: () => ({ observe: (v: number) => void seen.push(v), forecast: (h: number) => ({ model: 'count', value: seen.length, lower: 0, upper: seen.length, horizon: h }) }) }];
    const selector = new ModelSelector(defaultForecasters(4).slice(0, 1), 1, { online, refitEvery: 3 });
    for (let t = 0; t < 10; t++) selector.observe(t);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(() => new ModelSelector(defaultForecasters(4).slice(0, 1), 1, { online: [{ name: 'naive', create: online[0]!.create }] })).toThrow(/unique/);
  });
});
