import { describe, expect, it } from 'vitest';
import { counter, gauge, HISTOGRAMS, Metrics } from './metrics.js';

describe('Metrics', () => {
  it('reads live values on every scrape, with HELP, TYPE and the agent label; sources of one name add up', async () => {
    const metrics = new Metrics();
    const counts = { a: 1 };
    const pools = new Map([['work', 3]]);
    const planner = metrics.agent('planner');
    planner.live({ awo_t_things_total: counter('Things', () => counts.a), awo_t_pool_size: gauge('Pool size', ['pool'], () => [...pools].map(([pool, n]) => [{ pool }, n] as const)) });
    metrics.agent('planner').live({ awo_t_things_total: counter('Things', () => 10) });
    metrics.live({ awo_t_flag: gauge('A process flag', () => 1) });
    counts.a = 2;
    pools.set('other', 0);
    const text = await metrics.text();
    expect(text).toContain('# HELP awo_t_things_total Things\n# TYPE awo_t_things_total counter\nawo_t_things_total{agent="planner"} 12\n');
    expect(text).toContain('awo_t_pool_size{agent="planner",pool="work"} 3\nawo_t_pool_size{agent="planner",pool="other"} 0\n');
    expect(text).toContain('# TYPE awo_t_flag gauge\nawo_t_flag 1\n');
  });

  it('observes histograms in seconds with the agent label; negative durations count as 0', async () => {
    const metrics = new Metrics();
    const observe = metrics.agent('monitor').histogram(HISTOGRAMS.batchDuration);
    observe(0.002, { stream: 'metrics' });
    observe(-1, { stream: 'metrics' });
    observe(Number.NaN, { stream: 'metrics' });
    const text = await metrics.text();
    expect(text).toContain('# TYPE awo_batch_duration_seconds histogram');
    expect(text).toContain('awo_batch_duration_seconds_count{stream="metrics",agent="monitor"} 2');
    expect(text).toContain('awo_batch_duration_seconds_bucket{le="0.0005",stream="metrics",agent="monitor"} 1');
  });

  it('refuses names that break the conventions, and one name declared two ways', () => {
    const metrics = new Metrics();
    expect(() => metrics.live({ awo_things: counter('x', () => 1) })).toThrow(/_total/);
    expect(() => metrics.live({ awo_level_total: gauge('x', () => 1) })).toThrow(/_total/);
    expect(() => metrics.live({ 'awo_pool_work-size': gauge('x', () => 1) })).toThrow(/not awo_/);
    metrics.live({ awo_t_size: gauge('x', () => 1) });
    expect(() => metrics.live({ awo_t_size: gauge('x', ['pool'], () => []) })).toThrow(/labels/);
    expect(() => metrics.live({ awo_t_size: counter('x', () => 1) })).toThrow(/counter/);
  });
});
