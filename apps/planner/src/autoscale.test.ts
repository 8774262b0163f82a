import { describe, expect, it } from 'vitest';
import { autoscaleGoalSchema } from '@awo/shared';
import { decideAutoscale, type AutoscaleInputs, type AutoscaleMemory } from './autoscale.js';
import { ThroughputModel } from './throughput.js';

const goal = autoscaleGoalSchema.parse({
  kind: 'autoscale',
  name: 'g',
  step: 'work',
  metric: 'wait',
  target: 2000,
  arrivalSeries: 'a',
  completionSeries: 'c',
  activeSeries: 'x',
  backlogSeries: 'b',
  min: 1,
  max: 20,
  targetUtilization: 0.8,
  maxStep: 4,
  cooldown: '5s',
  scaleDownStabilization: '30s',
  staleAfter: '10s',
});
const now = 1_000_000;
const mem = (): AutoscaleMemory => ({ recommendations: [] });
const base = (over: Partial<AutoscaleInputs> = {}): AutoscaleInputs => ({ now, current: 2, throughput: 10, ...over });

describe('decideAutoscale', () => {
  it('sizes from the arrival forecast: 40/s ÷ (10/s × 0.8) = 5 workers', () => {
    const d = decideAutoscale(goal, base({ forecast: { value: 40, upper: 44, ts: now - 1000, horizonMs: 10_000, model: 'holt-winters', id: 'i1' } }), mem());
    expect(d).toMatchObject({ desired: 5, recommended: 5, basis: 'forecast', insightIds: ['i1'] });
    expect(d.reason).toMatch(/arrival forecast 40\.0\/s 10s ahead \(holt-winters\)/);
  });

  it('sizes for the upper bound of the forecast when asked: 56/s ÷ 8 = 7 workers', () => {
    const d = decideAutoscale({ ...goal, forecastBound: 'upper' }, base({ forecast: { value: 40, upper: 56, ts: now, horizonMs: 10_000, model: 'm' } }), mem());
    expect(d.recommended).toBe(7);
    expect(d.reason).toMatch(/upper bound 56\.0\/s \(point 40\.0\/s\)/);
  });

  it('never plans for less than the observed arrival rate', () => {
    const d = decideAutoscale(goal, base({ forecast: { value: 8, upper: 9, ts: now, horizonMs: 5000, model: 'm' }, arrival: { value: 56, ts: now } }), mem());
    expect(d.recommended).toBe(7);
  });

  it('falls back to the observed rate when the forecast is stale', () => {
    const d = decideAutoscale(goal, base({ forecast: { value: 400, upper: 400, ts: now - 60_000, horizonMs: 5000, model: 'm' }, arrival: { value: 16, ts: now } }), mem());
    expect(d).toMatchObject({ basis: 'observed', desired: 2 });
  });

  it.each([
    ['hold', 7, 7],
    ['min', 7, 1],
    [{ fixed: 3 }, 7, 3],
  ] as const)('applies the %j fallback when everything is stale', (fallback, current, desired) => {
    const g = { ...goal, fallback };
    const d = decideAutoscale(g, base({ current, arrival: { value: 100, ts: now - 60_000 } }), mem());
    expect(d).toMatchObject({ basis: 'fallback', desired });
  });

  it('adds workers to drain the backlog within the target wait', () => {
    // 16/s → 2 workers; backlog 40 / (10/s × 2 s) = 2 more.
    const d = decideAutoscale(goal, base({ arrival: { value: 16, ts: now }, backlog: { value: 40, ts: now } }), mem());
    expect(d.recommended).toBe(4);
  });

  it('drains a backlog over the start-up delay plus the decision interval, not within the target', () => {
    // 16/s → 2 workers; backlog 750 / (10/s × (60 s + 15 s)) = 1 more (within the 2 s target it would be 38).
    const g = { ...goal, startupDelay: 60_000 };
    const d = decideAutoscale(g, base({ arrival: { value: 16, ts: now }, backlog: { value: 750, ts: now }, interval: 15_000 }), mem());
    expect(d.recommended).toBe(3);
  });

  it('keeps the backlog term out of the scale-down stabilisation window', () => {
    const memory = mem();
    const up = decideAutoscale(goal, { ...base({ current: 10, arrival: { value: 80, ts: now - 20_000 }, backlog: { value: 200, ts: now - 20_000 } }), now: now - 20_000 }, memory);
    expect(up.recommended).toBe(20);
    // The backlog is gone: the window holds the load-based 10, not the 20 the backlog asked for.
    const d = decideAutoscale(goal, base({ current: 16, arrival: { value: 80, ts: now } }), memory);
    expect(d.desired).toBe(12);
  });

  it('holds while the size the load calls for is within the tolerance band', () => {
    // 84/s ÷ 8 = 10.5 workers: within 10% of 10, so no change; 92/s → 11.5 is outside.
    expect(decideAutoscale(goal, base({ current: 10, arrival: { value: 84, ts: now } }), mem()).desired).toBe(10);
    expect(decideAutoscale(goal, base({ current: 10, arrival: { value: 92, ts: now } }), mem()).desired).toBe(12);
  });

  it('adds one when the metric breaks the target and the load alone would not', () => {
    const d = decideAutoscale(goal, base({ current: 2, arrival: { value: 8, ts: now }, metric: { value: 3500, ts: now } }), mem());
    expect(d.desired).toBe(3);
  });

  it('limits a step to maxStep and respects min and max', () => {
    expect(decideAutoscale(goal, base({ arrival: { value: 1000, ts: now } }), mem()).desired).toBe(6);
    expect(decideAutoscale(goal, base({ current: 19, arrival: { value: 1000, ts: now } }), mem()).desired).toBe(20);
    expect(decideAutoscale(goal, base({ current: 1, arrival: { value: 0, ts: now } }), mem()).desired).toBe(1);
  });

  it('brings a size above max back within the limits, whatever the tolerance band and the cooldown say', () => {
    // max 5, 8 running, the load needs 7.5: within 10% of 8, but 8 is past max.
    const small = { ...goal, max: 5 };
    const forecast = { value: 60, upper: 60, ts: now, horizonMs: 10_000, model: 'm' };
    const d = decideAutoscale(small, base({ current: 8, forecast }), mem());
    expect(d.desired).toBe(5);
    const cooling = decideAutoscale(small, base({ current: 8, forecast }), { recommendations: [], lastChangeAt: now - 1000 });
    expect(cooling.desired).toBe(5);
  });

  it('holds during the cooldown', () => {
    const d = decideAutoscale(goal, base({ arrival: { value: 80, ts: now } }), { lastChangeAt: now - 2000, recommendations: [] });
    expect(d.desired).toBe(2);
    expect(d.reason).toMatch(/cooldown/);
  });

  it('scales down only to the highest recommendation of the stabilisation window', () => {
    const memory = mem();
    decideAutoscale(goal, { ...base({ current: 10, arrival: { value: 80, ts: now - 20_000 } }), now: now - 20_000 }, memory);
    const d = decideAutoscale(goal, base({ current: 10, arrival: { value: 8, ts: now } }), memory);
    expect(d.recommended).toBe(1);
    expect(d.desired).toBe(10);
    // Once the high recommendation leaves the window, it may go down (by maxStep).
    const later = decideAutoscale(goal, { ...base({ current: 10, arrival: { value: 8, ts: now + 15_000 } }), now: now + 15_000 }, memory);
    expect(later.desired).toBe(6);
  });
});

describe('ThroughputModel', () => {
  it('keeps the initial guess until it has enough saturated samples, then learns the median rate per worker', () => {
    const m = new ThroughputModel(1);
    m.observe(4, 40, 0); // not saturated: ignored
    expect(m.perWorker()).toBe(1);
    for (const rate of [39, 41, 40, 60, 38, 40]) m.observe(4, rate, 10);
    expect(m.learned).toBe(true);
    expect(m.perWorker()).toBe(10);
  });

  it('does not learn while the backlog is shorter than the pool (some workers idle part of the interval)', () => {
    const m = new ThroughputModel(2);
    // 7 busy workers, 1–3 jobs waiting: completions 9.1/s read as 1.3 per worker, below the true 2
    for (let i = 0; i < 20; i++) m.observe(7, 9.1, 1 + (i % 3));
    expect(m.learned).toBe(false);
    expect(m.perWorker()).toBe(2);
  });

  it('does not learn from a pool that has just grown (its new workers did not work the whole interval)', () => {
    const m = new ThroughputModel(1);
    // Each sample the pool has grown by 4 while the 40/s come from the 4 that were there all along.
    for (const active of [4, 8, 12, 16, 20, 24, 28, 32]) m.observe(active, 40, 100);
    expect(m.learned).toBe(false);
    for (let i = 0; i < 6; i++) m.observe(32, 320, 100);
    expect(m.perWorker()).toBe(10);
  });
});
