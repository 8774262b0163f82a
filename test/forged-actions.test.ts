import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { ExecutorAgent } from '@awo/executor';
import { sleepProcessor } from '@awo/sim';
import { applyChanges, paramOf, parseConfig, PlanStore, QUEUES, Runtime, signRevision, type Plan, type PlanRevision } from '@awo/shared';
import { cleanupPrefix, quietLogger, REDIS_URL, testPrefix, waitFor } from './helpers.js';

const KEY = 'forged-actions-test-key-0123456789';

function revise(plan: Plan, params: Record<string, number>): PlanRevision {
  const version = plan.version + 1;
  const changes = Object.entries(params).map(([param, to]) => ({ op: 'set' as const, step: 'work', param, from: paramOf(plan, 'work', param) ?? null, to }));
  return signRevision({ v: 1, version, parentVersion: plan.version, plan: applyChanges(plan, changes, version), changes, goal: 'g', reason: 'test', insightIds: [], at: Date.now(), leader: 'test' }, KEY);
}

/** An executor with a redis-set action on `work.mode` and a pool on `work.concurrency`, signing on. */
function setup() {
  const prefix = testPrefix();
  const config = parseConfig(
    {
      prefix,
      bus: { block: 100, ackInterval: 5 },
      workflow: { steps: { work: { queue: 'work', params: { mode: 0, concurrency: 1 }, apply: { mode: 'flag', concurrency: 'scale' } } } },
      executor: {
        attempts: 1,
        actions: { flag: { kind: 'redis-set', key: 'flags.{{step}}.{{param}}' }, scale: { kind: 'scale-bullmq-workers', pool: 'work' } },
        pools: { work: { queue: 'work', processor: 'sleep', initial: 1, max: 10 } },
      },
    },
    { AWO_SIGNING_KEY: KEY },
  );
  const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {} });
  const executor = new ExecutorAgent(runtime.deps('executor'), { processors: { sleep: sleepProcessor(5) } });
  const store = new PlanStore(runtime.redis, runtime.keys, config);
  const queue = new Queue(QUEUES.actions, { connection: runtime.connect('forger'), prefix: runtime.keys.queuePrefix(QUEUES.actions) });
  // The pool's actions go to its own queue, worked only by the pool's owner.
  const poolQueue = new Queue(QUEUES.pool('work'), { connection: runtime.connect('forger-pool'), prefix: runtime.keys.queuePrefix(QUEUES.pool('work')) });
  return {
    prefix,
    runtime,
    executor,
    store,
    queue,
    poolQueue,
    flag: () => runtime.redis.get(`${prefix}:flags.work.mode`),
    pool: () => executor.pool('work')?.size(),
    async [Symbol.asyncDispose]() {
      await executor.close();
      await queue.close();
      await poolQueue.close();
      await runtime.close();
      await cleanupPrefix(prefix);
    },
  };
}

describe('action jobs and the trust boundary', () => {
  it('refuses forged action jobs (any value, any version), records none as applied, and later signed revisions still act', async () => {
    await using t = setup();
    await t.executor.start();
    await t.store.commit(revise(await t.store.current(), { mode: 1 }));
    await waitFor(async () => (await t.flag()) === '1', 'the signed revision applied');
    const plan = await t.store.current();
    const base = { v: 1 as const, key: 'work.mode', epoch: plan.epoch, action: 'flag', kind: 'redis-set', step: 'work', param: 'mode', from: 1, at: Date.now() };
    const forged = [
      // A version far ahead: it must not make later revisions look "already applied".
      { ...base, id: `e${plan.epoch}.v999999.work.mode`, version: 999_999, value: 7 },
      // The current version, with a value its signed revision does not say.
      { ...base, id: `e${plan.epoch}.v1.work.mode.x`, version: 1, value: 8 },
      // The right value under a version that does not exist yet.
      { ...base, id: `e${plan.epoch}.v2.work.mode`, version: 2, value: 2 },
    ];
    for (const action of forged) await t.queue.add(action.action, { action, trace: {} }, { jobId: action.id });
    await waitFor(async () => (await t.queue.getJobCounts('failed')).failed === forged.length, 'every forged job failed for good');
    const failed = await t.queue.getJobs(['failed']);
    for (const job of failed) expect(job.failedReason).toMatch(/AWO_ACTION_NOT_ALLOWED: forged/);
    expect(await t.flag()).toBe('1');
    expect(JSON.parse((await t.runtime.redis.hget(t.runtime.keys.applied, 'work\u0000mode')) ?? '{}')).toMatchObject({ value: 1, version: 1 });
    // The next signed revision acts, though a forged job named version 999999 (and one took v2's id).
    await t.store.commit(revise(await t.store.current(), { mode: 3 }));
    await waitFor(async () => (await t.flag()) === '3', 'the next signed revision applied');
  }, 20_000);

  it('heals drift: when the world holds another value than the ledger says, the plan is applied again under an id of its own', async () => {
    await using t = setup();
    await t.executor.start();
    await t.store.commit(revise(await t.store.current(), { concurrency: 3 }));
    await waitFor(() => t.pool() === 3, 'the pool at 3');
    await waitFor(async () => JSON.parse((await t.runtime.redis.hget(t.runtime.keys.applied, 'work\u0000concurrency')) ?? '{}').value === 3, 'the ledger at 3');
    // The world moves away from the plan behind awo's back (a restart, a failover that took the plan back).
    t.executor.pool('work')?.setSize(6);
    // Any revision wakes the executor; mode changes, concurrency stays 3 in the plan.
    await t.store.commit(revise(await t.store.current(), { mode: 4 }));
    await waitFor(() => t.pool() === 3, 'the pool back at the plan\'s 3');
    const drift = /\.v2\.work\.concurrency\.d[0-9a-z]+$/;
    await waitFor(async () => (await t.poolQueue.getJobs(['completed'])).some((j) => drift.test(j.id ?? '')), 'the drift correction completed under its own id');
  }, 20_000);
});
