import { describe, expect, it } from 'vitest';
import { partitionOf } from '@awo/shared';
import { balanceOf, holderOf, isBalanced, projection, seriesNames, withRatios, type RunFigures } from './scaleout-figures.js';

describe('scale-out figures', () => {
  it('balance: series per holder follow partitionOf, and max/mean compares the busiest with the mean', () => {
    const series = Array.from({ length: 100 }, (_, i) => `x.s${i}`);
    const holders = ['a', 'a', 'b', 'b'];
    const b = balanceOf(holders, series);
    const onA = series.filter((s) => partitionOf(s, 4) < 2).length;
    expect(b.partitionsPerAnalyzer).toEqual([2, 2]);
    expect(b.seriesPerAnalyzer).toEqual([onA, 100 - onA]);
    expect(b.maxOverMean).toBeCloseTo(Math.max(onA, 100 - onA) / 50, 3);
    expect(b.unheld).toBe(0);
  });

  it('balance: one holder of everything is 1; free partitions are counted and their series belong to nobody', () => {
    const series = ['p', 'q', 'r', 's', 't'];
    expect(balanceOf(['a', 'a', 'a'], series)).toMatchObject({ partitionsPerAnalyzer: [3], seriesPerAnalyzer: [5], maxOverMean: 1, unheld: 0 });
    const half = balanceOf(['a', null], series);
    expect(half.unheld).toBe(1);
    expect(half.seriesPerAnalyzer).toEqual([series.filter((s) => partitionOf(s, 2) === 0).length]);
    expect(Number.isNaN(balanceOf([null, null], series).maxOverMean)).toBe(true);
  });

  it('balanced means every partition held, by exactly n holders, each ⌊P/n⌋ or ⌈P/n⌉', () => {
    expect(isBalanced(['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b'], 3)).toBe(true);
    expect(isBalanced(['a', 'a', 'a', 'b'], 2)).toBe(false);
    expect(isBalanced(['a', 'b', null, 'b'], 2)).toBe(false);
    expect(isBalanced(['a', 'b', 'a', 'b'], 3)).toBe(false);
  });

  it('the holder of a lease token is what precedes its last colon', () => {
    expect(holderOf('analyzer-123:9f0c-aa')).toBe('analyzer-123');
    expect(holderOf('analyzer-host:1-7:uuid')).toBe('analyzer-host:1-7');
    expect(holderOf(null)).toBeNull();
  });

  it('series: a tenth forecast, at least one forecast series in every partition, the count kept', () => {
    const { forecast, anomaly } = seriesNames(200, 8);
    expect(forecast.length + anomaly.length).toBe(200);
    expect(forecast.length).toBeGreaterThanOrEqual(20);
    expect(new Set(forecast.map((s) => partitionOf(s, 8))).size).toBe(8);
    const few = seriesNames(10, 8);
    expect(few.forecast.length + few.anomaly.length).toBe(10);
    expect(new Set(few.forecast.map((s) => partitionOf(s, 8))).size).toBe(8);
  });

  it('ratios against the one-analyzer run of the same Redis kind; CPU pooled per process over rounds, medians over processes', () => {
    const run = (redis: 'single' | 'cluster', analyzers: number, cpuUs: number[], drainS: number): RunFigures => ({
      partitionsPerMaster: redis === 'single' ? [8] : [3, 3, 2],
      idleUsPerSec: cpuUs.map(() => 1000),
      setup: `${redis}-${analyzers}`,
      redis,
      analyzers,
      partitions: 8,
      series: 100,
      insights: 10,
      balance: balanceOf(['a'], []),
      rounds: [1, 2].map(() => ({ published: 1000, drainS, redisCpuUs: 4000, processes: cpuUs.map((c) => ({ metrics: 1000 / cpuUs.length, cpuUs: c })) })),
    });
    const out = withRatios([run('single', 1, [20_000], 1), run('single', 2, [10_000, 14_000], 0.5), run('cluster', 2, [15_000, 15_000], 0.5)]);
    expect(out[0]).toMatchObject({ metricsPerSec: 1000, cpuUsPerMetric: 20, redisCpuUsPerMetric: 4, coresBusy: 0.02, published: 2000, processed: 2000, vs1: { metricsPerSec: 1, cpuUsPerMetric: 1 } });
    expect(out[1]?.perProcess).toEqual([{ metrics: 1000, cpuUsPerMetric: 20 }, { metrics: 1000, cpuUsPerMetric: 28 }]);
    expect(out[1]).toMatchObject({ metricsPerSec: 2000, cpuUsPerMetric: 24, vs1: { metricsPerSec: 2, cpuUsPerMetric: 1.2 } });
    // Idle: 1000 µs/s (0.1 % of a core) over the 1 s of drain: 1000 µs less per process, 1 µs per metric.
    expect(out[1]).toMatchObject({ netCpuUsPerMetric: 23, idleCorePct: 0.1 });
    // No one-analyzer cluster run: no ratio rather than one against the other kind.
    expect(out[2]?.vs1).toBeNull();
    const p = projection(out, 2);
    expect(p.map((x) => x.redis)).toEqual(['single', 'cluster']);
    expect(p[0]).toMatchObject({ perCore: Math.round(1e6 / 22), perShard: 250_000, shards: 1, redisBound: 250_000, analyzerBound: 8 * Math.round(1e6 / 22), onThisMachine: 2 * Math.round(1e6 / 22) });
    // Three masters, the busiest with 3 of 8 partitions: Redis saturates at 8/3 of one master's rate.
    expect(p[1]).toMatchObject({ perCore: Math.round(1e6 / 30), shards: 3, redisBound: Math.round((250_000 * 8) / 3) });
  });
});
