import { describe, expect, it } from 'vitest';
import { ExecutorAgent } from '@awo/executor';
import { applyChanges, parseConfig, PlanStore, Runtime, signRevision, type Plan, type PlanRevision } from '@awo/shared';
import { cleanup, quietLogger, REDIS_URL, testPrefix, waitFor } from './helpers.js';

const KEY = 'test-signing-key-0123456789';

function revise(plan: Plan, to: number): PlanRevision {
  const version = plan.version + 1;
  const change = { op: 'set' as const, step: 'work', param: 'mode', from: plan.steps.work?.params.mode ?? null, to };
  return { v: 1, version, parentVersion: plan.version, plan: applyChanges(plan, [change], version), changes: [change], goal: 'g', reason: 'test', insightIds: [], at: Date.now(), leader: 'test' };
}

describe('signed plan revisions', () => {
  it('the executor acts on a signed revision and refuses an unsigned or forged one', async () => {
    const prefix = testPrefix();
    const config = parseConfig(
      {
        prefix,
        bus: { block: 100, ackInterval: 5 },
        signing: { required: true },
        workflow: { steps: { work: { params: { mode: 0 }, apply: { mode: 'flag' } } } },
        executor: { actions: { flag: { kind: 'redis-set', key: 'flags.{{step}}.{{param}}' } } },
      },
      { AWO_SIGNING_KEY: KEY },
    );
    const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {} });
    const executor = new ExecutorAgent(runtime.deps('executor'));
    const store = new PlanStore(runtime.redis, runtime.keys, config);
    const flag = `${prefix}:flags.work.mode`;
    try {
      await executor.start();
      // Signed: acted on.
      await store.commit(signRevision(revise(await store.current(), 1), KEY));
      await waitFor(async () => (await runtime.redis.get(flag)) === '1', 'the signed revision applied');
      // Unsigned, through the normal write path: refused.
      await store.commit(revise(await store.current(), 2));
      await waitFor(() => executor.metrics().executor_revisions_untrusted_total === 1, 'the unsigned revision refused');
      // Signed with another key: refused.
      await store.commit(signRevision(revise(await store.current(), 3), 'some-other-key-0123456789'));
      await waitFor(() => executor.metrics().executor_revisions_untrusted_total === 2, 'the forged revision refused');
      // A hostile writer edits the plan hash behind a valid revision: refused.
      const good = signRevision(revise(await store.current(), 4), KEY);
      await store.commit(good);
      await waitFor(async () => (await runtime.redis.get(flag)) === '4', 'the next signed revision applied');
      const forged = { ...good.plan, steps: { work: { ...good.plan.steps.work, after: [], params: { mode: 5 } } } };
      await runtime.redis.hset(runtime.keys.plan, 'plan', JSON.stringify(forged));
      await runtime.redis.xadd(runtime.keys.stream('revisions'), '*', 'data', JSON.stringify(good));
      await waitFor(() => executor.metrics().executor_revisions_untrusted_total === 3, 'the edited plan refused');
      expect(await runtime.redis.get(flag)).toBe('4');
    } finally {
      await executor.close();
      await cleanup(runtime.redis, prefix);
      await runtime.close();
    }
  }, 30_000);

  it('refuses a plan hash written by hand at version 0 that is not the config\'s own plan', async () => {
    await using t = signedExecutor();
    await t.executor.start();
    const forged = { version: 0, steps: { work: { after: [], params: { mode: 9 } } } };
    await t.redis.hset(t.keys.plan, 'version', '0', 'plan', JSON.stringify(forged));
    // Any schema-valid entry on the revisions stream wakes the executor, which reads the plan hash.
    await t.wake(revise(forged, 9));
    await waitFor(() => t.untrusted() >= 1, 'the hand-written v0 refused');
    expect(await t.flag()).toBeNull();
  }, 30_000);

  it('refuses an older signed revision put back in the plan hash (a replay), in its lineage and from an older one', async () => {
    await using t = signedExecutor();
    await t.executor.start();
    // An old lineage's revision, signed long ago, kept by an attacker.
    const old = signRevision({ ...revise({ version: 0, epoch: 'aaaaaaaaaaaa', steps: { work: { after: [], params: { mode: 0 } } } }, 9), at: Date.now() - 3_600_000 }, KEY);
    const first = signRevision(revise(await t.store.current(), 1), KEY);
    await t.store.commit(first);
    await waitFor(async () => (await t.flag()) === '1', 'v1 applied');
    await t.store.commit(signRevision(revise(await t.store.current(), 2), KEY));
    await waitFor(async () => (await t.flag()) === '2', 'v2 applied');
    const putBack = (rev: PlanRevision) => t.redis.hset(t.keys.plan, 'version', String(rev.version), 'plan', JSON.stringify(rev.plan), 'revision', JSON.stringify(rev), 'epoch', rev.plan.epoch ?? '');
    // Replay v1 of the same lineage: the hash says v1 again, with its valid signature.
    await putBack(first);
    await t.wake(first);
    await waitFor(() => t.untrusted() === 1, 'the replayed v1 refused');
    // Replay a revision of an older lineage (as if Redis had lost its data and come back with it).
    await putBack(old);
    await t.wake(old);
    await waitFor(() => t.untrusted() === 2, 'the older lineage refused');
    expect(await t.flag()).toBe('2');
  }, 30_000);
});

/** An executor with signing on and a redis-set action on `work.mode`, on a fresh prefix; disposing cleans up. */
function signedExecutor() {
  const prefix = testPrefix();
  const config = parseConfig(
    { prefix, bus: { block: 100, ackInterval: 5 }, workflow: { steps: { work: { params: { mode: 0 }, apply: { mode: 'flag' } } } }, executor: { actions: { flag: { kind: 'redis-set', key: 'flags.{{step}}.{{param}}' } } } },
    { AWO_SIGNING_KEY: KEY },
  );
  const runtime = new Runtime({ config, redisUrl: REDIS_URL, log: quietLogger(), env: {} });
  const executor = new ExecutorAgent(runtime.deps('executor'));
  return {
    executor,
    store: new PlanStore(runtime.redis, runtime.keys, config),
    redis: runtime.redis,
    keys: runtime.keys,
    flag: () => runtime.redis.get(`${prefix}:flags.work.mode`),
    untrusted: () => executor.metrics().executor_revisions_untrusted_total ?? 0,
    wake: (rev: PlanRevision) => runtime.redis.xadd(runtime.keys.stream('revisions'), '*', 'data', JSON.stringify(rev)),
    async [Symbol.asyncDispose]() {
      await executor.close();
      await cleanup(runtime.redis, prefix);
      await runtime.close();
    },
  };
}
