import { describe, expect, it } from 'vitest';
import { PlannerAgent } from '@awo/planner';
import { parseConfig, PlanStore, Runtime, verifyRevision } from '@awo/shared';
import { cleanupPrefix, quietLogger, REDIS_URL, testPrefix, waitFor } from './helpers.js';

function config(prefix: string, lease = '2s', env: Record<string, string> = {}) {
  return parseConfig({
    prefix,
    bus: { block: 100, ackInterval: 5, claimMinIdle: 500, claimInterval: 100 },
    workflow: { steps: { work: { queue: 'work', params: { concurrency: 2 } } } },
    planner: {
      lease,
      evaluateInterval: '200ms',
      goals: [
        {
          kind: 'autoscale', name: 'work-wait', step: 'work', metric: 'bullmq.work.wait_p95_ms', target: 2000,
          arrivalSeries: 'bullmq.work.arrival_rate', completionSeries: 'bullmq.work.completion_rate', activeSeries: 'bullmq.work.active', backlogSeries: 'bullmq.work.waiting',
          min: 1, max: 20, initialThroughput: 10, cooldown: 0, maxStep: 10,
        },
      ],
    },
  }, env);
}

function runtime(prefix: string, lease?: string, suffix?: string, env?: Record<string, string>) {
  return new Runtime({ config: config(prefix, lease, env), redisUrl: REDIS_URL, log: quietLogger(), env: {}, instanceSuffix: suffix });
}

const forecast = (value: number, id = `f-${value}`) => ({ v: 1 as const, id, kind: 'forecast' as const, series: 'bullmq.work.arrival_rate', ts: Date.now(), metricIds: [], model: 'linear-trend', value, lower: value - 5, upper: value + 5, horizonMs: 10_000, observed: value / 2 });

const KEY = 'planner-test-key-0123456789';

/** One planner on a runtime of its own under a fresh prefix, started and leading; disposing stops it and cleans up. */
async function leadingPlanner(options: { env?: Record<string, string>; now?: () => number } = {}) {
  const prefix = testPrefix();
  const rt = new Runtime({ config: config(prefix, undefined, options.env), redisUrl: REDIS_URL, log: quietLogger(), env: {}, ...(options.now ? { now: options.now } : {}) });
  const planner = new PlannerAgent(rt.deps('planner'));
  const dispose = async () => {
    await planner.close();
    await rt.close();
    await cleanupPrefix(prefix);
  };
  try {
    await planner.start();
    await waitFor(() => planner.isLeader, 'leadership');
  } catch (err) {
    await dispose();
    throw err;
  }
  return { rt, planner, store: new PlanStore(rt.redis, rt.keys, rt.config), [Symbol.asyncDispose]: dispose };
}

describe('PlannerAgent', () => {
  it('revises the plan from a forecast, with the goal, reason and the insight that caused it', async () => {
    await using t = await leadingPlanner({ env: { AWO_SIGNING_KEY: KEY } });
    await t.rt.bus.publish('insights', forecast(60, 'f-60'));
    await waitFor(async () => (await t.store.current()).version === 1, 'revision 1');
    const [rev] = await t.store.history(1);
    // 60/s ÷ (10/s × 0.8) = 7.5 → 8 workers.
    expect(rev?.revision).toMatchObject({ version: 1, parentVersion: 0, goal: 'work-wait', insightIds: ['f-60'], changes: [{ op: 'set', step: 'work', param: 'concurrency', from: 2, to: 8 }] });
    expect(rev?.revision.reason).toMatch(/arrival forecast 60\.0\/s 10s ahead/);
    expect(rev?.revision.trace?.traceId).toMatch(/^[0-9a-f]{32}$/);
    // Signed with the configured key.
    expect(verifyRevision(rev?.revision as never, KEY)).toBe(true);
  });

  it('two planners never both lead; the standby takes over within the lease time when the leader dies', async () => {
    const prefix = testPrefix();
    const rtA = runtime(prefix, '600ms', 'a');
    const rtB = runtime(prefix, '600ms', 'b');
    const a = new PlannerAgent(rtA.deps('planner'));
    const b = new PlannerAgent(rtB.deps('planner'));
    let both = 0;
    const watch = setInterval(() => (both += a.isLeader && b.isLeader ? 1 : 0), 5);
    try {
      await a.start();
      await waitFor(() => a.isLeader, 'a leads');
      await b.start();
      await rtA.bus.publish('insights', forecast(40));
      const store = new PlanStore(rtB.redis, rtB.keys, rtB.config);
      await waitFor(async () => (await store.current()).version === 1, 'a revises');
      expect(b.isLeader).toBe(false);
      // The leader dies without releasing its lease (its timers and connections stop).
      const died = Date.now();
      await rtA.redis.quit();
      await waitFor(() => b.isLeader, 'b takes over', 5000);
      const takeover = Date.now() - died;
      expect(takeover).toBeLessThan(600 + 600 / 3 + 500);
      await rtB.bus.publish('insights', forecast(120));
      await waitFor(async () => (await store.current()).version === 2, 'b revises', 5000);
      const history = await store.history();
      expect(history.map((h) => h.revision.leader)).toEqual([expect.stringMatching(/-b$/), expect.stringMatching(/-a$/)]);
      expect(both).toBe(0);
    } finally {
      clearInterval(watch);
      await Promise.allSettled([a.close(), b.close()]);
      await Promise.allSettled([rtA.close(), rtB.close()]);
      await cleanupPrefix(prefix);
    }
  });

  it('refuses to build on a plan edited in Redis (AWO_PLAN_TAMPERED, counted) and never signs it', async () => {
    await using t = await leadingPlanner({ env: { AWO_SIGNING_KEY: KEY } });
    await t.rt.bus.publish('insights', forecast(60, 'f-60'));
    await waitFor(async () => (await t.store.current()).version === 1, 'revision 1');
    // A hostile writer raises the concurrency in the plan hash, behind the signed revision.
    const stored = await t.store.current();
    await t.rt.redis.hset(t.rt.keys.plan, 'plan', JSON.stringify({ ...stored, steps: { work: { ...stored.steps.work, params: { concurrency: 19 } } } }));
    await t.rt.bus.publish('insights', forecast(150, 'f-150'));
    await waitFor(() => (t.planner.metrics().planner_tamper_refusals_total ?? 0) >= 2, 'the tampered plan refused');
    expect((await t.store.current()).version).toBe(1);
    expect(await t.store.history()).toHaveLength(1);
  });

  it('judges a forecast stamped ahead of its clock as received now: a newer honest one wins', async () => {
    let clock = Date.now();
    await using t = await leadingPlanner({ now: () => clock });
    // Stamped 4 s ahead (within bus.maxClockSkew, so delivered): taken as now.
    await t.rt.bus.publish('insights', { ...forecast(60, 'f-ahead'), ts: clock + 4000 });
    await waitFor(async () => (await t.store.current()).version === 1, 'revision 1 from the early-stamped forecast');
    clock += 1000;
    // An honest forecast made a second later must win, though its stamp is earlier than the first one's.
    await t.rt.bus.publish('insights', { ...forecast(150, 'f-honest'), ts: clock });
    await waitFor(async () => (await t.store.current()).version === 2, 'revision 2 from the honest forecast', 5000);
    const [rev] = await t.store.history(1);
    expect(rev?.revision.insightIds).toEqual(['f-honest']);
  });
});
