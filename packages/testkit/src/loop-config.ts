import { keys } from '@awo/shared';
import { REDIS_URL } from './redis.js';

/** What a test changes in the loop's config: the goal, the pool, and any top-level section. */
export interface LoopConfigOptions {
  goal?: Record<string, unknown>;
  pool?: Record<string, unknown>;
  top?: Record<string, unknown>;
}

/**
 * The raw config (before `parseConfig`) of the autoscale loop that the loop, capacity and console
 * tests run: one step `work` on a BullMQ queue, a managed pool of one worker at first (processor
 * `sleep`, which the test hands in), a bullmq source every 500 ms, an arrival forecast 2 s ahead,
 * and an autoscale goal `wait` on the wait p95. Each test overrides what it is about.
 */
export function loopConfigInput(prefix: string, o: LoopConfigOptions = {}): Record<string, unknown> {
  // The queue `work` under awo's own tag for it, so that its BullMQ keys share a slot on Redis Cluster.
  const bull = keys(prefix).queuePrefix('work');
  return {
    prefix,
    redis: { url: REDIS_URL },
    bus: { block: 200, ackInterval: 5 },
    workflow: { steps: { work: { queue: 'work', params: { concurrency: 1 }, apply: { concurrency: 'scale' } } } },
    monitor: { interval: '500ms', sources: [{ kind: 'bullmq', name: 'work', queue: 'work', queuePrefix: bull }] },
    analyzer: { forecast: [{ series: 'bullmq.work.arrival_rate', horizon: '2s', step: '500ms' }] },
    planner: {
      lease: '3s',
      evaluateInterval: '500ms',
      goals: [
        {
          kind: 'autoscale', name: 'wait', step: 'work', metric: 'bullmq.work.wait_p95_ms', target: 1500,
          arrivalSeries: 'bullmq.work.arrival_rate', completionSeries: 'bullmq.work.completion_rate', activeSeries: 'bullmq.work.active', backlogSeries: 'bullmq.work.waiting',
          min: 1, max: 30, initialThroughput: 16, targetUtilization: 0.75, startupDelay: '1s', cooldown: '500ms', maxStep: 6, scaleDownStabilization: '10s', staleAfter: '3s',
          ...o.goal,
        },
      ],
    },
    executor: { actions: { scale: { kind: 'scale-bullmq-workers', pool: 'work' } }, pools: { work: { queue: 'work', queuePrefix: bull, processor: 'sleep', startupDelay: '1s', initial: 1, max: 30, ...o.pool } } },
    ...o.top,
  };
}
