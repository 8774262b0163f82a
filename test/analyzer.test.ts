import { describe, expect, it } from 'vitest';
import { AnalyzerAgent } from '@awo/analyzer';
import { parseConfig, Runtime, type MessageOf } from '@awo/shared';
import { cleanupPrefix, quietLogger, REDIS_URL, testPrefix, waitFor } from './helpers.js';

function setup(prefix = testPrefix()) {
  const config = parseConfig({
    prefix,
    bus: { block: 100, ackInterval: 5 },
    monitor: { interval: 1000 },
    analyzer: {
      forecast: [{ series: 'load.*.arrival_rate', horizon: '5s', season: 'auto' }],
      anomaly: [{ series: 'load.*.latency', detectors: ['robust-z'] }],
    },
  });
  const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {} });
  return { runtime, prefix, async [Symbol.asyncDispose]() { await runtime.close(); await cleanupPrefix(prefix); } };
}

describe('AnalyzerAgent', () => {
  it('forecasts a rising series ahead and flags an anomaly, with the metrics that caused them', async () => {
    await using t = setup();
    const insights: MessageOf<'insights'>[] = [];
    const watcher = await t.runtime.bus.consume('insights', { group: 'test', consumer: 'w', handler: async (d) => void insights.push(d.message) });
    const analyzer = new AnalyzerAgent(t.runtime.deps('analyzer'));
    await analyzer.start();
    const t0 = Date.now() - 300_000;
    // A steady ramp: 10, 12, 14, ... per second, one point a second, 150 points.
    const ramp = Array.from({ length: 150 }, (_, i) => ({ v: 1 as const, series: 'load.web.arrival_rate', value: 10 + 2 * i, ts: t0 + i * 1000, source: 'test', labels: {} }));
    const latency = Array.from({ length: 150 }, (_, i) => ({ v: 1 as const, series: 'load.web.latency', value: i === 120 ? 900 : 50 + (i % 5), ts: t0 + i * 1000, source: 'test', labels: {} }));
    const ids: string[] = [];
    for (let i = 0; i < 150; i++) ids.push(...(await t.runtime.bus.publish('metrics', [ramp[i], latency[i]] as never)));
    await waitFor(() => insights.some((i) => i.kind === 'forecast' && i.observed === 308), 'the forecast after the last point');
    await waitFor(() => insights.some((i) => i.kind === 'anomaly'), 'the anomaly insight');
    await analyzer.close();
    await watcher.close();
    const last = insights.filter((i) => i.kind === 'forecast').at(-1);
    if (last?.kind !== 'forecast') throw new Error('no forecast');
    // 5 s ahead of 308 on a +2/s ramp is 318; a learned model gets close.
    expect(last.horizonMs).toBe(5000);
    expect(Math.abs(last.value - 318)).toBeLessThan(3);
    expect(last.lower).toBeLessThanOrEqual(last.value);
    expect(last.upper).toBeGreaterThanOrEqual(last.value);
    expect(last.metricIds.length).toBeGreaterThan(0);
    expect(ids).toContain(last.metricIds.at(-1));
    const anomaly = insights.find((i) => i.kind === 'anomaly');
    expect(anomaly).toMatchObject({ series: 'load.web.latency', value: 900, anomalous: true, method: 'robust-z' });
    expect(insights.filter((i) => i.kind === 'anomaly')).toHaveLength(1);
  });
});
