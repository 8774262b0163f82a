import { parseConfig } from '@awo/shared';
import { REDIS_URL } from './helpers.js';

/** A small loop config: one step on a BullMQ queue, scaled from the arrival forecast. */
export function tracedLoopConfig(prefix: string) {
  const bull = `${prefix}:bull`;
  return parseConfig({
    prefix,
    redis: { url: REDIS_URL },
    bus: { block: 200, ackInterval: 5 },
    telemetry: { spanStore: { enabled: false } },
    workflow: { steps: { work: { queue: 'work', params: { concurrency: 1 }, apply: { concurrency: 'scale' } } } },
    monitor: { interval: '300ms', sources: [{ kind: 'bullmq', name: 'work', queue: 'work', queuePrefix: bull }] },
    analyzer: { forecast: [{ series: 'bullmq.work.arrival_rate', horizon: '1s', step: '300ms' }] },
    planner: {
      evaluateInterval: '300ms',
      goals: [{ kind: 'autoscale', name: 'wait', step: 'work', metric: 'bullmq.work.wait_p95_ms', target: 1000, arrivalSeries: 'bullmq.work.arrival_rate', completionSeries: 'bullmq.work.completion_rate', activeSeries: 'bullmq.work.active', backlogSeries: 'bullmq.work.waiting', min: 1, max: 10, initialThroughput: 5, cooldown: 0 }],
    },
    executor: { actions: { scale: { kind: 'scale-bullmq-workers', pool: 'work' } }, pools: { work: { queue: 'work', queuePrefix: bull, serviceTime: 20, initial: 1, max: 10 } } },
  });
}
