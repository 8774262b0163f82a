import { describe, expect, it } from 'vitest';
import { applyChanges, planFromConfig, qualityGoalSchema, workflowSchema, type Plan } from '@awo/shared';
import { decideQuality, isRerouted, type QualityMemory, type QualitySignal } from './quality.js';
import type { Observation } from './autoscale.js';

const workflow = workflowSchema.parse({
  steps: {
    ingest: { handler: 'pass' },
    validate: { handler: 'validate', after: ['ingest'], variants: { strict: 'strict-validation' } },
    enrich: { handler: 'enrich', after: ['validate'] },
    store: { handler: 'sink', after: ['enrich'] },
  },
  extraSteps: {
    'strict-validation': { handler: 'strict-validation', onFail: 'quarantine', params: { concurrency: 4 } },
    quarantine: { handler: 'sink' },
  },
});
const goal = qualityGoalSchema.parse({
  kind: 'quality',
  name: 'clean',
  limits: { 'records.orders.null_rate': 0.02, 'records.orders.out_of_range_rate': 0.01 },
  drift: ['records.orders.value.amount'],
  reroute: { insert: 'strict-validation', between: ['validate', 'enrich'] },
  stabilization: '30s',
  staleAfter: '10s',
});
const now = 1_000_000;
const base = planFromConfig(workflow);
const clean = (ts = now): Map<string, Observation> =>
  new Map([
    ['records.orders.null_rate', { value: 0.001, ts, id: 'm1' }],
    ['records.orders.out_of_range_rate', { value: 0, ts, id: 'm2' }],
  ]);
const decide = (plan: Plan, metrics: Map<string, Observation>, memory: QualityMemory = {}, signals: QualitySignal[] = [], at = now) =>
  decideQuality(goal, workflow, { now: at, plan, metrics, signals }, memory);

describe('decideQuality', () => {
  it('holds while the data is clean and not rerouted', () => {
    expect(decide(base, clean())).toMatchObject({ action: 'hold', changes: [] });
  });

  it('reroutes through strict-validation with its quarantine when a limit is broken', () => {
    const metrics = clean();
    metrics.set('records.orders.null_rate', { value: 0.2, ts: now, id: 'm9' });
    const d = decide(base, metrics);
    expect(d.action).toBe('reroute');
    expect(d.reason).toMatch(/records\.orders\.null_rate 0\.2 ≥ 0\.02/);
    expect(d.insightIds).toEqual(['m9']);
    const next = applyChanges(base, d.changes, 1);
    expect(next.steps['strict-validation']).toEqual({ after: ['validate'], params: { concurrency: 4 } });
    expect(next.steps.enrich?.after).toEqual(['strict-validation']);
    expect(next.steps.quarantine?.after).toEqual(['strict-validation']);
    expect(isRerouted(goal, next)).toBe(true);
  });

  it('reroutes on a forecast crossing or a drift before any limit is broken', () => {
    const forecast: QualitySignal = { series: 'records.orders.null_rate', check: 'forecast-crossing', value: 0.03, limit: 0.02, violated: true, ts: now - 500, id: 'f1' };
    expect(decide(base, clean(), {}, [forecast])).toMatchObject({ action: 'reroute', insightIds: ['f1'] });
    const drift: QualitySignal = { series: 'records.orders.value.amount', check: 'drift', value: 0.4, limit: 0.25, violated: true, ts: now, id: 'd1' };
    expect(decide(base, clean(), {}, [drift]).reason).toMatch(/amount drifted/);
  });

  it('ignores old findings and findings on series it does not watch', () => {
    const old: QualitySignal = { series: 'records.orders.null_rate', check: 'forecast-crossing', value: 1, limit: 0.02, violated: true, ts: now - 11_000, id: 'f0' };
    const other: QualitySignal = { series: 'records.other.null_rate', check: 'limit', value: 1, limit: 0.02, violated: true, ts: now, id: 'x' };
    expect(decide(base, clean(), {}, [old, other]).action).toBe('hold');
    const noForecast = qualityGoalSchema.parse({ ...goal, forecast: false });
    const f: QualitySignal = { ...old, ts: now };
    expect(decideQuality(noForecast, workflow, { now, plan: base, metrics: clean(), signals: [f] }, {}).action).toBe('hold');
  });

  it('a newer finding that a drift is over clears it', () => {
    const on: QualitySignal = { series: 'records.orders.value.amount', check: 'drift', value: 0.4, limit: 0.25, violated: true, ts: now - 2000, id: 'd1' };
    const off: QualitySignal = { ...on, value: 0.1, violated: false, ts: now - 1000, id: 'd2' };
    expect(decide(base, clean(), {}, [on, off]).action).toBe('hold');
    expect(decide(base, clean(), {}, [off, on]).action).toBe('hold');
    expect(decide(base, clean(), {}, [on]).action).toBe('reroute');
  });

  it('reverts only after the data has been clean for the whole stabilization window', () => {
    const rerouted = applyChanges(base, decide(base, new Map([['records.orders.null_rate', { value: 0.5, ts: now }]])).changes, 1);
    const memory: QualityMemory = { lastBadAt: now };
    expect(decide(rerouted, clean(now + 29_000), memory, [], now + 29_000).action).toBe('hold');
    const bad = new Map([['records.orders.null_rate', { value: 0.03, ts: now + 20_000 }]]);
    expect(decide(rerouted, bad, memory, [], now + 20_000).action).toBe('hold');
    expect(memory.lastBadAt).toBe(now + 20_000);
    expect(decide(rerouted, clean(now + 49_000), memory, [], now + 49_000).action).toBe('hold');
    const d = decide(rerouted, clean(now + 50_000), memory, [], now + 50_000);
    expect(d.action).toBe('revert');
    const back = applyChanges(rerouted, d.changes, 2);
    expect(back.steps).toEqual(base.steps);
  });

  it('a planner that starts rerouted waits a whole window before reverting', () => {
    const rerouted = applyChanges(base, decide(base, new Map([['records.orders.null_rate', { value: 0.5, ts: now }]])).changes, 1);
    const memory: QualityMemory = {};
    expect(decide(rerouted, clean(), memory).action).toBe('hold');
    expect(decide(rerouted, clean(now + 30_000), memory, [], now + 30_000).action).toBe('revert');
  });

  it('applies its fallback on stale metrics and never reverts on them', () => {
    const stale = clean(now - 60_000);
    expect(decide(base, stale)).toMatchObject({ action: 'hold', reason: expect.stringMatching(/stale/) });
    const safe = qualityGoalSchema.parse({ ...goal, fallback: 'reroute' });
    expect(decideQuality(safe, workflow, { now, plan: base, metrics: stale, signals: [] }, {}).action).toBe('reroute');
    const rerouted = applyChanges(base, decideQuality(safe, workflow, { now, plan: base, metrics: stale, signals: [] }, {}).changes, 1);
    expect(decide(rerouted, stale, { lastBadAt: now - 600_000 }).action).toBe('hold');
  });

  it('switches a variant and switches it back', () => {
    const sw = qualityGoalSchema.parse({ ...goal, reroute: { switch: 'validate', variant: 'strict' } });
    const bad = new Map([['records.orders.null_rate', { value: 0.5, ts: now }]]);
    const d = decideQuality(sw, workflow, { now, plan: base, metrics: bad, signals: [] }, {});
    expect(d.changes).toEqual([{ op: 'set', step: 'validate', param: 'variant', from: null, to: 'strict' }]);
    const on = applyChanges(base, d.changes, 1);
    const r = decideQuality(sw, workflow, { now: now + 60_000, plan: on, metrics: clean(now + 60_000), signals: [] }, { lastBadAt: now });
    expect(r.changes).toEqual([{ op: 'set', step: 'validate', param: 'variant', from: 'strict', to: 'default' }]);
  });
});
