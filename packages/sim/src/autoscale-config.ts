import { keys, parseConfig, QUEUES, type Config } from '@awo/shared';
import { demoSigningEnv } from './demo-key.js';

export interface DemoSettings {
  prefix: string;
  redisUrl: string;
  /** Wait p95 target, ms. */
  targetMs: number;
  serviceMs: number;
  startupDelayMs: number;
  /** Length of the compressed "day", s. */
  dayS: number;
}

/** What a caller (the autoscale benchmark's live mode) changes in the demo's config. */
export interface DemoOverrides {
  /** Fields of the autoscale goal. */
  goal?: Record<string, unknown>;
  /** The monitor's sources on the queue (default: one named `work`, every second); interval in ms. */
  sources?: { name: string; interval: number }[];
  /** The analyzer's forecast rule (default: `bullmq.work.arrival_rate` at the monitor's step). */
  forecast?: { series: string; horizon: number; step: number; season: number | 'auto' };
  /** Points per series the analyzer keeps (default 600). */
  window?: number;
  pool?: { initial: number; max: number };
  /**
   * The step is worked off by `@awo/worker` processes instead of a managed pool: the executor's
   * action is `adaptive-workers` (it confirms what the members run), and with `nats` the planner
   * sends plan notices there.
   */
  workers?: { nats?: string };
}

/**
 * The autoscale demo's config: one step `work` on a BullMQ queue, processed by a managed pool
 * whose workers take `startupDelayMs` to start; a goal to keep the wait p95 under target. The
 * pool's processor is `sleep`: the runner gives the executor `sleepProcessor(serviceMs)` by that name.
 */
export function autoscaleDemoConfig(s: DemoSettings, o: DemoOverrides = {}): Config {
  const bull = keys(s.prefix).queuePrefix(QUEUES.demo);
  const throughput = 1000 / s.serviceMs;
  const sources = o.sources ?? [{ name: 'work', interval: 1000 }];
  const pool = o.pool ?? { initial: 2, max: 60 };
  return parseConfig({
    prefix: s.prefix,
    redis: { url: s.redisUrl },
    bus: { block: 500, claimMinIdle: '15s' },
    log: { level: 'warn' },
    workflow: { steps: { work: { queue: QUEUES.demo, params: { concurrency: pool.initial }, apply: { concurrency: o.workers ? 'members' : 'scale-work' } } } },
    ...(o.workers?.nats ? { nats: { servers: o.workers.nats } } : {}),
    monitor: { interval: '1s', sources: sources.map(({ name, interval }) => ({ kind: 'bullmq', name, interval, queue: QUEUES.demo, queuePrefix: bull })) },
    analyzer: {
      window: o.window ?? 600,
      // The horizon covers a worker's start-up and one sampling interval.
      forecast: [o.forecast ?? { series: 'bullmq.work.arrival_rate', horizon: s.startupDelayMs + 2000, season: 'auto' }],
      anomaly: [{ series: 'bullmq.work.wait_p95_ms' }],
    },
    planner: {
      lease: '5s',
      evaluateInterval: '1s',
      goals: [
        {
          kind: 'autoscale',
          name: 'work-wait',
          step: 'work',
          metric: 'bullmq.work.wait_p95_ms',
          target: s.targetMs,
          arrivalSeries: 'bullmq.work.arrival_rate',
          completionSeries: 'bullmq.work.completion_rate',
          activeSeries: 'bullmq.work.active',
          backlogSeries: 'bullmq.work.waiting',
          min: 1,
          max: 60,
          initialThroughput: throughput * 0.8,
          targetUtilization: 0.75,
          startupDelay: s.startupDelayMs,
          scaleDownStabilization: Math.round(s.dayS * 1000 * 0.12),
          cooldown: '1s',
          maxStep: 8,
          staleAfter: '5s',
          fallback: 'hold',
          ...o.goal,
        },
      ],
    },
    executor: o.workers
      ? { resync: '5s', actions: { members: { kind: 'adaptive-workers', step: 'work', timeout: '20s' } } }
      : {
          actions: { 'scale-work': { kind: 'scale-bullmq-workers', pool: 'work' } },
          pools: { work: { queue: QUEUES.demo, queuePrefix: bull, processor: 'sleep', startupDelay: s.startupDelayMs, initial: pool.initial, max: pool.max } },
        },
  }, demoSigningEnv());
}
