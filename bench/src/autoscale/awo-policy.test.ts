import { describe, expect, it } from 'vitest';
import { AwoPolicy, awoGoal, SERIES, type AwoSettings } from './awo-policy.js';
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
