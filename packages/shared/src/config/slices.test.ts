import { describe, expect, it } from 'vitest';
import { parseConfig } from './load.js';
import { configSlices } from './slices.js';

const config = parseConfig(
  {
    prefix: 'p',
    signing: { required: false },
    monitor: {
      interval: '500ms',
      sources: [
        { kind: 'records', name: 'orders', step: 'validate', sample: 0.5 },
        { kind: 'system', name: 'host' },
      ],
    },
    workflow: {
      steps: { validate: { handler: 'validate' }, store: { handler: 'sink', after: ['validate'] } },
      extraSteps: { strict: { handler: 'strict-validation' } },
      schema: { fields: { amount: { type: 'number' } } },
    },
    analyzer: {
      forecast: [
        { series: 'records.*.null_rate', horizon: '5s' },
        { series: 'load', horizon: '1s', step: '2s' },
      ],
    },
    planner: {
      goals: [
        { kind: 'quality', name: 'a', limits: { 'records.orders.null_rate': 0.05, 'records.orders.out_of_range_rate': 0.1 }, reroute: { insert: 'strict', between: ['validate', 'store'] } },
        { kind: 'quality', name: 'b', limits: { 'records.orders.null_rate': 0.02 }, reroute: { insert: 'strict', between: ['validate', 'store'] } },
      ],
    },
  },
  { AWO_SIGNING_KEY: 'k'.repeat(32) },
);
const slices = configSlices(config);

describe('config slices', () => {
  it('gives the analyzer its section and the quality limits of the planner goals (the lowest per series), and no planner section', () => {
    const { analyzer } = slices;
    expect(analyzer.quality.limits).toEqual({ 'records.orders.null_rate': 0.02, 'records.orders.out_of_range_rate': 0.1 });
    expect(analyzer).not.toHaveProperty('planner');
    expect(analyzer).not.toHaveProperty('monitor');
    expect(Object.keys(analyzer).sort()).toEqual(['analyzer', 'bus', 'prefix', 'quality']);
  });

  it('resolves forecast steps from monitor.interval and turns horizons into steps', () => {
    const { analyzer } = slices;
    expect(analyzer.analyzer.forecast.map((r) => r.step)).toEqual([500, 2000]);
    expect(analyzer.quality.horizons).toEqual([
      { series: 'records.*.null_rate', steps: 10 },
      { series: 'load', steps: 1 },
    ]);
  });

  it('gives the executor the steps the records sources tap, with their share', () => {
    expect(slices.executor.taps).toEqual({ validate: 0.5 });
    expect(Object.keys(slices.executor).sort()).toEqual(['bus', 'executor', 'prefix', 'signing', 'taps', 'workflow']);
    expect(slices.executor.signing).toEqual({ key: 'k'.repeat(32) });
  });

  it('gives each agent only its own section and the shared bits it needs', () => {
    expect(Object.keys(slices.monitor).sort()).toEqual(['bus', 'monitor', 'prefix', 'workflow']);
    expect(Object.keys(slices.planner).sort()).toEqual(['bus', 'planner', 'prefix', 'signing', 'workflow']);
    expect(slices.monitor.bus).toEqual({ closeGrace: config.bus.closeGrace, maxClockSkew: config.bus.maxClockSkew, partitions: config.bus.partitions });
    expect(slices.planner.bus).toEqual({ maxLen: config.bus.maxLen, maxClockSkew: config.bus.maxClockSkew, partitions: config.bus.partitions });
    expect(slices.analyzer.bus).toEqual({ partitions: config.bus.partitions, maxLen: config.bus.maxLen });
    expect(slices.planner.planner).toEqual(config.planner);
  });

  it('freezes every slice, all the way down, and leaves the config as it was', () => {
    for (const slice of Object.values(slices)) expect(Object.isFrozen(slice)).toBe(true);
    expect(Object.isFrozen(slices.analyzer.quality.limits)).toBe(true);
    expect(Object.isFrozen(slices.executor.taps)).toBe(true);
    expect(Object.isFrozen(slices.monitor.monitor.sources[0])).toBe(true);
    expect(config.analyzer.forecast[0]?.step).toBeUndefined();
  });

  it('cuts a config without goals or sources into empty derived inputs', () => {
    const empty = configSlices(parseConfig({}));
    expect(empty.analyzer.quality).toEqual({ limits: {}, horizons: [] });
    expect(empty.executor.taps).toEqual({});
    expect(empty.planner.signing).toEqual({});
  });
});
