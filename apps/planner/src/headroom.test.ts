import { describe, expect, it } from 'vitest';
import { autoscaleGoalSchema, mulberry32 } from '@awo/shared';
import { decideAutoscale, type AutoscaleMemory } from './autoscale.js';
import { HEADROOM_DEFAULTS, normalCdf, SloHeadroom, waitTail, waitWorkers } from './headroom.js';

const MIN = 60_000;

/** Feeds one sample per minute, broken or met, and returns the controller. */
function minutes(h: SloHeadroom, outcomes: boolean[], start = 0): SloHeadroom {
  outcomes.forEach((broken, i) => h.record((start + i) * MIN, broken ? 2 : 0, 1));
  return h;
}

describe('waitTail (M/M/c)', () => {
  it('matches Erlang C: 2 servers at a = 1 wait with probability 1/3', () => {
    expect(waitTail(2, 1, 1, 0)).toBeCloseTo(1 / 3, 10);
    // and the tail decays at rate cμ − λ = 1
    expect(waitTail(2, 1, 1, 2)).toBeCloseTo(Math.exp(-2) / 3, 10);
  });

  it('is 1 for an unstable pool and 0 without load', () => {
    expect(waitTail(3, 30, 10, 1)).toBe(1);
    expect(waitTail(3, 0, 10, 1)).toBe(0);
  });
});

describe('waitWorkers', () => {
  it('is the fewest workers whose wait tail is within the bound', () => {
    for (const [lambda, mu, t, tail] of [
      [40, 10, 2, 0.02],
      [2.7, 2, 1, 0.02],
      [300, 2, 1, 0.01],
      [0.3, 2, 1, 0.05],
    ] as const) {
      const c = waitWorkers(lambda, mu, t, tail, 10_000);
      expect(waitTail(c, lambda, mu, t)).toBeLessThanOrEqual(tail);
      if (c > 1) expect(waitTail(c - 1, lambda, mu, t)).toBeGreaterThan(tail);
    }
  });

  it('needs more slack for a small pool than a large one', () => {
    const small = waitWorkers(2, 2, 1, 0.02, 1000);
    const large = waitWorkers(200, 2, 1, 0.02, 1000);
    expect(2 / 2 / small).toBeLessThan(200 / 2 / large);
  });

  it('stays within the cap and asks for none without load', () => {
    expect(waitWorkers(1e6, 1, 1, 0.02, 50)).toBe(50);
    expect(waitWorkers(0, 1, 1, 0.02, 50)).toBe(0);
  });
});

describe('SloHeadroom', () => {
  it('raises the level by gain × slo after a broken minute', () => {
    const h = minutes(new SloHeadroom(0.99), [false, true, false]);
    // the second sample closes the first minute (met, attainment 1: lowered), the third the broken one
    expect(h.level).toBeCloseTo(HEADROOM_DEFAULTS.initialLevel - HEADROOM_DEFAULTS.gain * 0.01 + HEADROOM_DEFAULTS.gain * 0.99, 10);
    expect(h.status()).toMatchObject({ minutes: 2, broken: 1 });
  });

  it('lowers slowly, by gain × (1 − slo) a met minute, only while the measured attainment is at least the SLO', () => {
    const h = minutes(new SloHeadroom(0.9, { gain: 1 }), Array(11).fill(false));
    expect(h.level).toBeCloseTo(1.645 - 10 * 0.1, 10);
    // one broken minute in 3 (attainment 0.67 < 0.9): met minutes no longer lower it
    const g = minutes(new SloHeadroom(0.9, { gain: 1 }), [true, false, false, false]);
    expect(g.level).toBeCloseTo(1.645 + 0.9, 10);
  });

  it('stays within its bounds', () => {
    expect(minutes(new SloHeadroom(0.99), Array(100).fill(true)).level).toBe(HEADROOM_DEFAULTS.maxLevel);
    expect(minutes(new SloHeadroom(0.5, { gain: 1 }), Array(100).fill(false)).level).toBe(HEADROOM_DEFAULTS.minLevel);
  });

  it('counts a sample once; a minute is broken when two of its samples, or their mean, break the target', () => {
    const h = new SloHeadroom(0.99, { windowMinutes: 5 });
    h.record(10_000, 1.5, 1);
    h.record(10_000, 9, 1); // the same sample again (the planner re-evaluates): ignored
    h.record(20_000, 0.2, 1);
    h.record(30_000, 0.2, 1);
    h.record(61_000, 0.2, 1); // one sample a little over: the minute is met
    expect(h.status()).toMatchObject({ minutes: 1, broken: 0 });
    h.record(75_000, 1.2, 1);
    h.record(90_000, 1.1, 1);
    h.record(121_000, 0, 1); // two over
    h.record(150_000, 5, 1);
    h.record(181_000, 0, 1); // one far over: the mean breaks it
    expect(h.status()).toMatchObject({ minutes: 3, broken: 2 });
    minutes(h, Array(10).fill(false), 4);
    expect(h.status()).toMatchObject({ minutes: 5, broken: 0, attainment: 1 });
  });

  it('settles where the share of broken minutes is 1 − slo on a plant it does not know', () => {
    // A minute breaks with probability 1 − Φ(level − 1): the level that gives 1% is 3.33.
    const rng = mulberry32(7);
    const h = new SloHeadroom(0.99, { initialLevel: 0 });
    let broken = 0;
    const n = 60_000;
    for (let i = 0; i < n; i++) {
      const b = rng() > normalCdf(h.level - 1);
      if (i >= n / 2 && b) broken++;
      h.record(i * MIN, b ? 2 : 0, 1);
    }
    expect(broken / (n / 2)).toBeGreaterThan(0.006);
    expect(broken / (n / 2)).toBeLessThan(0.014);
    expect(h.level).toBeGreaterThan(2.8);
    expect(h.level).toBeLessThan(3.9);
  });

  it('refuses bad settings', () => {
    expect(() => new SloHeadroom(1)).toThrow(/slo/);
    expect(() => new SloHeadroom(0.9, { gain: 0 })).toThrow(/gain/);
    expect(() => new SloHeadroom(0.9, { minLevel: 3 })).toThrow(/minLevel/);
  });
});

describe('decideAutoscale with slo', () => {
  const goal = autoscaleGoalSchema.parse({
    kind: 'autoscale',
    name: 'g',
    step: 'work',
    metric: 'wait',
    target: 1000,
    arrivalSeries: 'a',
    completionSeries: 'c',
    activeSeries: 'x',
    backlogSeries: 'b',
    min: 1,
    max: 100,
    slo: 0.99,
    cooldown: 0,
    tolerance: 0,
  });
  const now = 10 * MIN;
  const forecast = { value: 20, upper: 20 + 1.6448536269514722 * 4, ts: now, horizonMs: 75_000, model: 'm', id: 'f1' };

  it('sizes the forecast plus its headroom by the wait model, and says so', () => {
    const memory: AutoscaleMemory = { recommendations: [] };
    const d = decideAutoscale(goal, { now, current: 5, throughput: 2, forecast, metric: { value: 300, ts: now } }, memory);
    // 20 + 1.645 × 4 = 26.6 jobs/s at 2 jobs/s per worker
    expect(d.recommended).toBe(waitWorkers(20 + 1.645 * 4, 2, 1, 0.02, 100));
    expect(d.reason).toMatch(/slo 0\.99: headroom 1\.65σ over the forecast \(its 95\.0th percentile\), no minute measured yet/);
    expect(d.reason).toMatch(/P\(wait > 1000\) ≤ 0\.02/);
  });

  it('raises its headroom after a broken minute and reports the measured attainment', () => {
    const memory: AutoscaleMemory = { recommendations: [] };
    decideAutoscale(goal, { now, current: 5, throughput: 2, forecast, metric: { value: 3000, ts: now } }, memory);
    const later = now + MIN;
    const d = decideAutoscale(goal, { now: later, current: 5, throughput: 2, forecast: { ...forecast, ts: later }, metric: { value: 300, ts: later } }, memory);
    expect(memory.headroom?.level).toBeCloseTo(1.645 + HEADROOM_DEFAULTS.gain * 0.99, 10);
    expect(d.reason).toMatch(/headroom 1\.89σ .* measured 0\.00% of 1 min \(1 broken\)/);
    expect(d.recommended).toBeGreaterThanOrEqual(waitWorkers(20 + 1.89 * 4, 2, 1, 0.02, 100));
  });

  it('leaves a breach to the controller: no one-more-worker step', () => {
    const d = decideAutoscale(goal, { now, current: 40, throughput: 2, forecast, metric: { value: 5000, ts: now } }, { recommendations: [] });
    expect(d.recommended).toBe(waitWorkers(20 + 1.645 * 4, 2, 1, 0.02, 100));
    expect(d.reason).not.toMatch(/one more/);
  });

  it('keeps the observed rate as a floor only while the level is not below the forecast', () => {
    const arrival = { value: 30, ts: now };
    const up = decideAutoscale(goal, { now, current: 5, throughput: 2, forecast, arrival }, { recommendations: [] });
    expect(up.recommended).toBe(waitWorkers(30, 2, 1, 0.02, 100));
    const low: AutoscaleMemory = { recommendations: [], headroom: new SloHeadroom(0.99, { initialLevel: -1 }) };
    const down = decideAutoscale(goal, { now, current: 5, throughput: 2, forecast, arrival }, low);
    expect(down.recommended).toBe(waitWorkers(16, 2, 1, 0.02, 100));
  });

  it('refuses an slo outside (0, 1) with the field path', () => {
    const r = autoscaleGoalSchema.safeParse({ ...goal, slo: 1 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['slo']);
  });
});
