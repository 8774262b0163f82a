import { describe, expect, it } from 'vitest';
import { autoscaleDemoConfig } from '@awo/sim';
import { AWO_TUNING, WORKLOAD } from './index.js';
import { liveSettings } from './live.js';

describe('liveSettings', () => {
  it('divides every duration of the workload and of awo goal by the speed-up, and the demo config takes them', () => {
    const { workload, overrides } = liveSettings({ speedup: 10, workload: WORKLOAD, tuning: AWO_TUNING });
    expect(workload).toEqual({ targetMs: 100, serviceMs: 50, startupDelayMs: 6000 });
    expect(overrides.goal).toMatchObject({ target: 100, startupDelay: 6000, scaleDownStabilization: AWO_TUNING.scaleDownStabilization / 10, staleAfter: 15_000 });
    expect(overrides.sources).toEqual([
      { name: 'work', interval: 1500 },
      { name: 'work1m', interval: 6000 },
    ]);
    const config = autoscaleDemoConfig({ prefix: 'p', redisUrl: 'redis://127.0.0.1:6379', dayS: 120, ...workload }, overrides);
    expect(config.planner.goals[0]).toMatchObject({ arrivalSeries: 'bullmq.work1m.arrival_rate', target: 100, forecastBound: 'upper' });
    expect(config.executor.pools.work).toMatchObject({ initial: WORKLOAD.initialWorkers, startupDelay: 6000 });
    expect(config.workflow.steps.work?.params.concurrency).toBe(WORKLOAD.initialWorkers);
  });
});
