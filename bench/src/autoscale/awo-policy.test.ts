import { describe, expect, it } from 'vitest';
import { AwoPolicy, awoGoal, ForecastFeed, SERIES, type AwoSettings } from './awo-policy.js';
import { JobSource } from './jobs.js';
import { frontierAt } from './index.js';
import { replay } from './replay.js';

const settings = (over: Partial<AwoSettings> = {}): AwoSettings => ({
  tuning: { targetUtilization: 0.75, scaleDownStabilization: 300_000, cooldown: 0, maxStep: 4 },
  targetMs: 1000,
  startupDelayMs: 10_000,
  serviceSec: 0.5,
  min: 1,
  max: 100,
  intervalSec: 15,
  arrivalIntervalSec: 60,
  window: 720,
  season: 'auto',
  ...over,
});

describe('awo policy', () => {
  it('builds its goal with awo’s own schema', () => {
    const g = awoGoal(settings());
    expect(g).toMatchObject({ kind: 'autoscale', metric: SERIES.waitP95, arrivalSeries: SERIES.arrival, target: 1000, initialThroughput: 2, startupDelay: 10_000, staleAfter: 150_000, maxStep: 4, fallback: 'hold' });
  });

  it('sizes the pool for a steady load through the analyzer and the planner', () => {
    // 20 jobs/s of 0.5 s: 10 busy workers; at 75% about 14.
    const source = new JobSource({ values: Array.from({ length: 30 }, () => 1200), stepSec: 60, service: 'fixed', serviceSec: 0.5, seed: 2 });
    const awo = new AwoPolicy(settings());
    const targets: number[] = [];
    const res = replay({ source, policies: [awo], startupDelay: 10, targetWait: 1, initialWorkers: 2, onMinute: (_p, _m, _met, sim) => targets.push(sim.target) });
    expect(targets.at(-1)).toBeGreaterThanOrEqual(12);
    expect(targets.at(-1)).toBeLessThanOrEqual(30);
    expect(res.awo?.sloAttainment).toBeGreaterThan(0.8);
    expect(awo.lastDecision?.basis).toBe('forecast');
    expect(awo.describe()).toMatchObject({ decisionBasis: expect.any(Object) });
  });

  it('with an slo, adapts its headroom from the minutes it measures, and reports it', () => {
    const values = Array.from({ length: 240 }, (_, i) => 1200 + 600 * Math.sin(i / 15) + (i % 37 === 0 ? 900 : 0));
    const source = new JobSource({ values, stepSec: 60, service: 'exponential', serviceSec: 0.5, seed: 3 });
    const awo = new AwoPolicy(settings({ tuning: { ...settings().tuning, slo: 0.99 } }));
    expect(awo.goal.slo).toBe(0.99);
    replay({ source, policies: [awo], startupDelay: 10, targetWait: 1, initialWorkers: 2 });
    const h = awo.describe().headroom as { minutes: number; level: number };
    expect(h.minutes).toBeGreaterThan(200);
    expect(h.level).not.toBe(1.645);
    expect(awo.lastDecision?.reason).toMatch(/slo 0\.99: headroom .*σ over the forecast .* measured/);
  }, 60_000);

  it('gives the same decisions with an analyzer shared between policies as with its own', () => {
    const values = Array.from({ length: 60 }, (_, i) => 900 + 500 * Math.sin(i / 10));
    const run = (shared: boolean) => {
      const source = new JobSource({ values, stepSec: 60, service: 'exponential', serviceSec: 0.5, seed: 4 });
      const feed = shared ? new ForecastFeed(settings()) : undefined;
      const a = new AwoPolicy(settings({ feed }));
      const b = new AwoPolicy(settings({ name: 'other', feed, tuning: { ...settings().tuning, slo: 0.95 } }));
      return replay({ source, policies: [b, a], startupDelay: 10, targetWait: 1, initialWorkers: 2 });
    };
    const own = run(false);
    const shared = run(true);
    expect(shared.awo?.workerMinutes).toBe(own.awo?.workerMinutes);
    expect(shared.other?.workerMinutes).toBe(own.other?.workerMinutes);
    expect(shared.awo?.scaleEvents).toBe(own.awo?.scaleEvents);
  }, 60_000);

  it('emulates a planner change from the outside (what-if), never in the default', () => {
    const awo = new AwoPolicy(settings({ whatIf: { throughput: 2 } }));
    expect(awo.describe()).toMatchObject({ whatIf: { throughput: 2 } });
    expect(new AwoPolicy(settings()).describe()).not.toHaveProperty('whatIf');
  });
});

describe('frontierAt', () => {
  it('interpolates the SLO of a cost/SLO frontier at a cost', () => {
    const pts = [
      { workerMinutes: 300, sloAttainment: 0.95 },
      { workerMinutes: 100, sloAttainment: 0.8 },
      { workerMinutes: 200, sloAttainment: 0.9 },
    ];
    expect(frontierAt(pts, 150)).toBeCloseTo(0.85, 12);
    expect(frontierAt(pts, 250)).toBeCloseTo(0.925, 12);
    expect(frontierAt(pts, 50)).toBeUndefined();
  });
});
