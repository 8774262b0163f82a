import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { ExecutorAgent } from '@awo/executor';
import { delay, parseConfig, PlanStore, Runtime, type MessageOf } from '@awo/shared';
import { Arrivals, sleepProcessor, SloMeter } from '@awo/sim';
import { deletePrefix, loopConfigInput, quietLogger, REDIS_URL, testPrefix, waitFor } from '@awo/testkit';
import { AGENT_NAMES, buildAgents, startAgents, stopAgents } from './agents.js';

const TARGET_MS = 1500;

function loopConfig(prefix: string) {
  return parseConfig(loopConfigInput(prefix, { goal: { target: TARGET_MS } }));
}

describe('the adaptive loop', () => {
  it('a rising load leads to a scale-up revision and a scale action before the wait target is breached', async () => {
    const prefix = testPrefix();
    const config = loopConfig(prefix);
    const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {} });
    const agents = buildAgents(runtime, AGENT_NAMES, { executor: { processors: { sleep: sleepProcessor(50) } } });
    const pool = agents.find((a): a is ExecutorAgent => a instanceof ExecutorAgent)?.pools.get('work');
    if (!pool) throw new Error('no pool');
    const start = Date.now();
    const slo = new SloMeter(TARGET_MS, start);
    pool.onJobStart((j) => slo.jobStarted(j.waitMs, j.startedAt));
    const results: (MessageOf<'results'> & { seenAt: number })[] = [];
    const queue = new Queue('work', { connection: runtime.connect('load'), prefix: runtime.keys.queuePrefix('work') });
    try {
      await startAgents(agents);
      const watcher = await runtime.bus.consume('results', { group: 'test', consumer: 't', handler: async (d) => void results.push({ ...d.message, seenAt: Date.now() }) });
      // A ramp: 4 jobs/s rising by 6/s every second for 14 s (to 88/s). One worker does 20/s.
      const arrivals = new Arrivals();
      const runS = 14;
      for (let tick = 0; (Date.now() - start) / 1000 < runS; tick++) {
        const t = (Date.now() - start) / 1000;
        const n = arrivals.next(4 + 6 * t, 0.1);
        if (n > 0) await queue.addBulk(Array.from({ length: n }, () => ({ name: 'job', data: {}, opts: { removeOnComplete: { count: 2000 } } })));
        await delay(Math.max(0, start + (tick + 1) * 100 - Date.now()));
      }
      await waitFor(async () => (await queue.getWaitingCount()) === 0, 'the backlog to drain', 20_000, 50);
      await watcher.close();
    } finally {
      await queue.close();
      await stopAgents(agents, 20_000);
    }
    const history = await new PlanStore(runtime.redis, runtime.keys, config).history(1000);
    await deletePrefix(runtime.redis, prefix);
    await runtime.close();

    const seconds = Math.ceil((Date.now() - start) / 1000);
    const breaches = Array.from({ length: seconds }, (_, s) => s).filter((s) => (slo.p95Of(s) ?? 0) >= TARGET_MS);
    const firstBreachAt = breaches.length > 0 ? start + (breaches[0] as number) * 1000 : Number.POSITIVE_INFINITY;
    const firstScaleUp = results.find((r) => r.ok && r.param === 'concurrency' && typeof r.value === 'number' && r.value > 1);
    const firstRevision = history.at(-1)?.revision;

    expect(firstRevision?.changes[0]).toMatchObject({ op: 'set', step: 'work', param: 'concurrency', from: 1 });
    expect(firstRevision?.reason).toMatch(/arrival forecast/);
    expect(firstScaleUp, 'a scale action ran').toBeDefined();
    expect(firstScaleUp?.seenAt ?? Infinity).toBeLessThan(firstBreachAt);
    // And the pool kept up: the wait stayed under target nearly all the time.
    expect(slo.attainment(seconds)).toBeGreaterThanOrEqual(0.9);
    expect(results.every((r) => r.ok)).toBe(true);
  }, 60_000);
});
