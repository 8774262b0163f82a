import { describe, expect, it } from 'vitest';
import { configSchema, configSlices, gaussian, mulberry32 } from '@awo/shared';
import { QualityChecks } from './checks.js';

const config = configSlices(
  configSchema.parse({
    workflow: {
      steps: { validate: { handler: 'validate' }, store: { handler: 'sink', after: ['validate'] } },
      extraSteps: { strict: { handler: 'strict-validation' } },
      schema: { fields: { amount: { type: 'number' } } },
    },
    analyzer: { drift: [{ series: 'records.o.value.*', reference: 200, recent: 100 }] },
    planner: { goals: [{ kind: 'quality', name: 'q', limits: { 'records.o.null_rate': 0.02 }, reroute: { insert: 'strict', between: ['validate', 'store'] } }] },
  }),
).analyzer;
const at = (i: number) => 1_000_000 + i * 1000;

describe('QualityChecks', () => {
  it('says a limit is broken on every point while it is, and once when it is back under', () => {
    const q = new QualityChecks(config);
    expect(q.wants('records.o.null_rate')).toBe(true);
    expect(q.wants('records.o.records')).toBe(false);
    expect(q.observe({ series: 'records.o.null_rate', value: 0, ts: at(0) }, ['m0'])).toEqual([]);
    const broken = q.observe({ series: 'records.o.null_rate', value: 0.3, ts: at(1) }, ['m1']);
    expect(broken).toMatchObject([{ kind: 'data-quality', check: 'limit', value: 0.3, limit: 0.02, violated: true, metricIds: ['m1'] }]);
    expect(q.observe({ series: 'records.o.null_rate', value: 0.25, ts: at(2) }, ['m2'])).toMatchObject([{ check: 'limit', violated: true }]);
    const back = q.observe({ series: 'records.o.null_rate', value: 0.0, ts: at(3) }, ['m3']);
    expect(back.filter((i) => i.check === 'limit')).toMatchObject([{ violated: false }]);
  });

  it('forecasts a rising rate crossing its limit before it does', () => {
    const q = new QualityChecks(config);
    const found = [];
    for (let i = 0; i < 12; i++) found.push(...q.observe({ series: 'records.o.null_rate', value: 0.001 * i, ts: at(i) }, [`m${i}`]));
    const first = found.find((f) => f.check === 'forecast-crossing' && f.violated);
    expect(first).toBeDefined();
    expect(first!.value).toBeLessThan(0.02);
    expect(found.some((f) => f.check === 'limit')).toBe(false);
  });

  it('does not forecast a crossing from a burst that has passed', () => {
    const q = new QualityChecks(config);
    const values = [...Array(10).fill(0), ...Array(8).fill(0.15), 0, 0, 0, 0];
    const found = values.flatMap((v, i) => q.observe({ series: 'records.o.null_rate', value: v, ts: at(i) }, []));
    const after = found.filter((f) => f.ts >= at(18));
    expect(after.filter((f) => f.violated)).toEqual([]);
  });

  it('finds the drift of a field distribution and says when it is over', () => {
    const q = new QualityChecks(config);
    const rand = gaussian(mulberry32(7));
    const series = 'records.o.value.amount';
    const insights = [];
    let t = 0;
    for (let i = 0; i < 400; i++) insights.push(...q.observe({ series, value: 50 + 5 * rand(), ts: at(t++) }, []));
    expect(insights).toEqual([]);
    for (let i = 0; i < 150; i++) insights.push(...q.observe({ series, value: 80 + 5 * rand(), ts: at(t++) }, []));
    const drift = insights.filter((i) => i.check === 'drift' && i.violated);
    expect(drift.length).toBeGreaterThan(0);
    expect(drift.length).toBeLessThanOrEqual(150);
    for (let i = 0; i < 300; i++) insights.push(...q.observe({ series, value: 50 + 5 * rand(), ts: at(t++) }, []));
    expect(insights.at(-1)).toMatchObject({ check: 'drift', violated: false });
  });
});
