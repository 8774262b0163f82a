import { Queue } from 'bullmq';
import { keys, parseConfig, QUEUES, type Runtime } from '@awo/shared';
import { deletePrefix, REDIS_URL, waitFor } from '@awo/testkit';
import { sleepProcessor } from '@awo/sim';
import { AGENT_NAMES, buildAgents, startAgents, stopAgents } from '../agents.js';

/** A small loop config: one step on a BullMQ queue, scaled from the arrival forecast. */
export function tracedLoopConfig(prefix: string) {
  const bull = keys(prefix).queuePrefix(QUEUES.demo);
  return parseConfig({
    prefix,
    redis: { url: REDIS_URL },
    bus: { block: 200, ackInterval: 5 },
    telemetry: { spanStore: { enabled: false } },
    workflow: { steps: { work: { queue: QUEUES.demo, params: { concurrency: 1 }, apply: { concurrency: 'scale' } } } },
    monitor: { interval: '300ms', sources: [{ kind: 'bullmq', name: 'work', queue: QUEUES.demo, queuePrefix: bull }] },
    analyzer: { forecast: [{ series: 'bullmq.work.arrival_rate', horizon: '1s', step: '300ms' }] },
    planner: {
      evaluateInterval: '300ms',
      goals: [{ kind: 'autoscale', name: 'wait', step: 'work', metric: 'bullmq.work.wait_p95_ms', target: 1000, arrivalSeries: 'bullmq.work.arrival_rate', completionSeries: 'bullmq.work.completion_rate', activeSeries: 'bullmq.work.active', backlogSeries: 'bullmq.work.waiting', min: 1, max: 10, initialThroughput: 5, cooldown: 0 }],
    },
    executor: { actions: { scale: { kind: 'scale-bullmq-workers', pool: 'work' } }, pools: { work: { queue: QUEUES.demo, queuePrefix: bull, processor: 'sleep', initial: 1, max: 10 } } },
  });
}

/**
 * Runs the four agents on `runtime` and feeds the queue until the first action result, then
 * stops the agents. `beforeClose` runs after the agents stopped, before the caller closes the
 * runtime (read in-memory spans there). Returns the newest results-stream entry.
 */
export async function runUntilAction(runtime: Runtime, prefix: string, beforeClose: () => void = () => undefined): Promise<[string, string[]] | undefined> {
  const agents = buildAgents(runtime, AGENT_NAMES, { executor: { processors: { sleep: sleepProcessor(20) } } });
  const queue = new Queue(QUEUES.demo, { connection: runtime.connect('load'), prefix: runtime.keys.queuePrefix(QUEUES.demo) });
  let newest: [string, string[]] | undefined;
  try {
    await startAgents(agents);
    // Enough load that one worker at 5/s is not enough: the planner scales up.
    await waitFor(async () => {
      await queue.addBulk(Array.from({ length: 10 }, () => ({ name: 'job', data: {} })));
      [newest] = (await runtime.redis.xrevrange(runtime.keys.stream('results'), '+', '-', 'COUNT', 1)) as [string, string[]][];
      return newest !== undefined;
    }, 'an action result', 20_000, 100);
  } finally {
    await queue.close();
    await stopAgents(agents, 20_000);
    beforeClose();
    await deletePrefix(runtime.redis, prefix);
  }
  return newest;
}
