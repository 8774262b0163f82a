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

  it('adds one when the metric breaks the target and the load alone would not', () => {
    const d = decideAutoscale(goal, base({ current: 2, arrival: { value: 8, ts: now }, metric: { value: 3500, ts: now } }), mem());
    expect(d.desired).toBe(3);
  });

  it('limits a step to maxStep and respects min and max', () => {
    expect(decideAutoscale(goal, base({ arrival: { value: 1000, ts: now } }), mem()).desired).toBe(6);
    expect(decideAutoscale(goal, base({ current: 19, arrival: { value: 1000, ts: now } }), mem()).desired).toBe(20);
    expect(decideAutoscale(goal, base({ current: 1, arrival: { value: 0, ts: now } }), mem()).desired).toBe(1);
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
  it('keeps the initial guess until it has enough saturated samples, then learns the slope', () => {
    const m = new ThroughputModel(1);
    m.observe(4, 40, 0); // not saturated: ignored
    expect(m.perWorker()).toBe(1);
    for (const [active, rate] of [[2, 19], [3, 31], [4, 39], [5, 51], [6, 60]] as const) m.observe(active, rate, 10);
    expect(m.learned).toBe(true);
    expect(m.perWorker()).toBeCloseTo(10, 0);
  });
});
