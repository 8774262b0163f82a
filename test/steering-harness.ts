import { PlannerAgent } from '@awo/planner';
import { ExecutorAgent } from '@awo/executor';
import { sleepProcessor } from '@awo/sim';
import { configSlices, parseConfig, PlanStore, Runtime, Steering, type Config } from '@awo/shared';
import { cleanupPrefix, quietLogger, REDIS_URL, testPrefix, waitFor } from './helpers.js';

export const STEER_KEY = 'steering-test-signing-key-0123456789';

export interface SteerOptions {
  mode?: 'apply' | 'propose';
  steering?: Record<string, unknown>;
  executor?: boolean;
  /** The goal's staleAfter: a forecast older than this no longer moves it (it holds). */
  staleAfter?: string;
}

/** The config of a steering test: one `work` step served by a managed pool, one autoscale goal, signing on. */
export function steerConfig(prefix: string, options: SteerOptions = {}): Config {
  return parseConfig(
    {
      prefix,
      bus: { block: 100, ackInterval: 5, claimMinIdle: 500, claimInterval: 100 },
      workflow: { steps: { work: { queue: 'work', params: { concurrency: 2 }, apply: { concurrency: 'scale-work' } } } },
      planner: {
        lease: '2s',
        evaluateInterval: '200ms',
        steering: options.steering ?? {},
        goals: [
          {
            kind: 'autoscale', name: 'work-wait', mode: options.mode ?? 'apply', step: 'work', metric: 'bullmq.work.wait_p95_ms', target: 2000,
            arrivalSeries: 'bullmq.work.arrival_rate', completionSeries: 'bullmq.work.completion_rate', activeSeries: 'bullmq.work.active', backlogSeries: 'bullmq.work.waiting',
            min: 1, max: 20, initialThroughput: 10, cooldown: 0, maxStep: 10, scaleDownStabilization: 0, ...(options.staleAfter ? { staleAfter: options.staleAfter } : {}),
          },
        ],
      },
      executor: {
        concurrency: 4,
        pools: { work: { queue: 'work', processor: 'sleep', initial: 2, max: 20, startupDelay: 0 } },
        actions: { 'scale-work': { kind: 'scale-bullmq-workers', pool: 'work' } },
      },
    },
    { AWO_SIGNING_KEY: STEER_KEY },
  );
}

export const forecast = (value: number, id = `f-${value}-${Math.random().toString(16).slice(2, 8)}`) => ({ v: 1 as const, id, kind: 'forecast' as const, series: 'bullmq.work.arrival_rate', ts: Date.now(), metricIds: [], model: 'linear-trend', value, lower: value - 5, upper: value + 5, horizonMs: 10_000, observed: value / 2 });

/** A leading planner and (by default) an executor with a real managed pool, in one runtime, under a fresh prefix, with a `Steering` as the API would hold. */
export async function steeringHarness(options: SteerOptions = {}) {
  const prefix = testPrefix();
  const config = steerConfig(prefix, options);
  const rt = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {} });
  const planner = new PlannerAgent(rt.deps('planner'));
  const executor = options.executor === false ? undefined : new ExecutorAgent(rt.deps('executor'), { processors: { sleep: sleepProcessor(10) } });
  const dispose = async () => {
    await Promise.allSettled([planner.close(), executor?.close()]);
    await rt.close();
    await cleanupPrefix(prefix);
  };
  try {
    await executor?.start();
    await planner.start();
    await waitFor(() => planner.isLeader, 'leadership');
  } catch (err) {
    await dispose();
    throw err;
  }
  const store = new PlanStore(rt.redis, rt.keys, config);
  return {
    prefix,
    config,
    rt,
    planner,
    executor,
    store,
    steering: new Steering(rt.redis, rt.keys, configSlices(config).planner),
    pool: () => executor?.pool('work'),
    version: async () => (await store.current()).version,
    concurrency: async () => (await store.current()).steps.work?.params.concurrency,
    [Symbol.asyncDispose]: dispose,
  };
}
