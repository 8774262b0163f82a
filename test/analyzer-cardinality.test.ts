import { describe, expect, it } from 'vitest';
import { AnalyzerAgent } from '@awo/analyzer';
import { parseConfig, Runtime, type MessageInput, type MessageOf } from '@awo/shared';
import { cleanupPrefix, quietLogger, REDIS_URL, testPrefix, waitFor } from './helpers.js';

const LEGIT = 5;
const MAX_SERIES = 50;
const ROUNDS = 10;
const FLOOD_PER_ROUND = 300;

function setup(prefix = testPrefix()) {
  const rule = { series: 'card.*.requests', labels: ['tenant'], maxSeries: MAX_SERIES };
  const config = parseConfig({
    prefix,
    bus: { block: 100, ackInterval: 5 },
    monitor: { interval: 1000 },
    analyzer: { forecast: [{ ...rule, horizon: '5s' }], anomaly: [{ ...rule, detectors: ['records'] }] },
  });
  const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {} });
  return { runtime, prefix, async [Symbol.asyncDispose]() { await runtime.close(); await cleanupPrefix(prefix); } };
}

const metric = (series: string, tenant: string, value: number, ts: number): MessageInput<'metrics'> => ({ v: 1, series, value, ts, source: 'test', labels: { tenant } });

describe('AnalyzerAgent under a flood of label values', () => {
  it('refuses and counts the new series over the rule limit while the admitted ones keep getting forecasts', async () => {
    await using t = setup();
    const forecasts = new Map<string, number[]>();
    const watcher = await t.runtime.bus.consume('insights', {
      group: 'test',
      consumer: 'w',
      handler: async (d: { message: MessageOf<'insights'> }) => {
        const i = d.message;
        if (i.kind === 'forecast' && i.series.startsWith('card.legit')) forecasts.set(i.series, [...(forecasts.get(i.series) ?? []), i.observed ?? Number.NaN]);
      },
    });
    const analyzer = new AnalyzerAgent(t.runtime.deps('analyzer'));
    await analyzer.start();
    const legit = Array.from({ length: LEGIT }, (_, i) => `card.legit${i}.requests`);
    const t0 = Date.now() - 60_000;
    const everyLegitSaw = (value: number) => legit.every((s) => forecasts.get(s)?.includes(value));
    // The legitimate series are admitted first…
    await t.runtime.bus.publish('metrics', legit.map((s) => metric(s, 'legit', 100, t0)));
    await waitFor(() => everyLegitSaw(100), 'the first forecasts of the legitimate series');
    // …then thousands of new label values on a matched series arrive while they keep flowing.
    let flooded = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const batch = [...legit.map((s) => metric(s, 'legit', 100 + round, t0 + round * 1000))];
      for (let i = 0; i < FLOOD_PER_ROUND; i++) batch.push(metric('card.flood.requests', `flood-${flooded++}`, 1, t0 + round * 1000));
      await t.runtime.bus.publish('metrics', batch);
      await waitFor(() => everyLegitSaw(100 + round), `the forecasts of round ${round} for every legitimate series`);
    }
    const refusedPerRule = flooded - (MAX_SERIES - LEGIT);
    const counts = () => analyzer.metrics();
    await waitFor(() => counts()['analyzer_metrics_total'] === LEGIT * (ROUNDS + 1) + flooded, 'every metric analysed');
    await analyzer.close();
    await watcher.close();
    expect(counts()).toMatchObject({
      'analyzer_series_refused_total{rule="forecast[0]"}': refusedPerRule,
      'analyzer_series_refused_total{rule="anomaly[0]"}': refusedPerRule,
      analyzer_series: 2 * MAX_SERIES,
      analyzer_series_expired_total: 0,
    });
    // Every legitimate series got a forecast from each of its points, flood or not.
    for (const s of legit) expect(forecasts.get(s)).toEqual(Array.from({ length: ROUNDS + 1 }, (_, r) => 100 + r));
  }, 60_000);
});
