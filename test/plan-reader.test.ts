import { describe, expect, it } from 'vitest';
import { applyChanges, parseConfig, PlanReader, PlanStore, signRevision, type Plan, type PlanRevision } from '@awo/shared';
import { testBus } from './helpers.js';

const KEY = 'plan-reader-test-key-0123456789';

function revise(plan: Plan, to: number): PlanRevision {
  const version = plan.version + 1;
  const change = { op: 'set' as const, step: 'work', param: 'concurrency', from: plan.steps.work?.params.concurrency ?? null, to };
  return { v: 1, version, parentVersion: plan.version, plan: applyChanges(plan, [change], version), changes: [change], goal: 'g', reason: `to ${to}`, insightIds: [], at: Date.now(), leader: 'p1' };
}

describe('the revision index', () => {
  it('finds an old revision through the index after many commits, without scanning, and stays as long as the stream', async () => {
    await using t = testBus();
    const config = parseConfig({ workflow: { steps: { work: { queue: 'work', params: { concurrency: 1 } } } } });
    // A short stream (the config's floor is 100), so a few hundred commits trim it.
    const store = new PlanStore(t.redis, t.bus.keys, { workflow: config.workflow, bus: { ...config.bus, maxLen: 200 } });
    let plan = await store.current();
    for (let i = 0; i < 500; i++) {
      await store.commit(revise(plan, i));
      plan = (await store.current()) as Plan;
    }
    const scans: unknown[] = [];
    const xrevrange = t.redis.xrevrange.bind(t.redis);
    t.redis.xrevrange = ((...args: Parameters<typeof xrevrange>) => {
      scans.push(args);
      return xrevrange(...args);
    }) as typeof t.redis.xrevrange;
    const old = await store.revision(350);
    expect(old?.revision).toMatchObject({ version: 350, reason: 'to 349' });
    expect((await store.revision(500))?.revision.version).toBe(500);
    // Trimmed from the stream: gone from the index too; the oldest indexed is the oldest kept.
    const oldest = Number(await t.redis.hget(t.bus.keys.planRevisionIndex, '_min'));
    expect((await store.revision(oldest))?.revision.version).toBe(oldest);
    expect(await store.revision(oldest - 1)).toBeUndefined();
    expect(await store.revision(3)).toBeUndefined();
    expect(await store.revision(501)).toBeUndefined();
    expect(scans).toEqual([]);
    const [indexed, streamed] = await Promise.all([t.redis.hlen(t.bus.keys.planRevisionIndex), t.redis.xlen(t.bus.keys.stream('revisions'))]);
    expect(indexed - 1).toBe(streamed);
    expect(streamed).toBeLessThan(500);
  });

  it('starts an empty index with a new lineage', async () => {
    await using t = testBus();
    const config = parseConfig({ workflow: { steps: { work: { queue: 'work', params: { concurrency: 1 } } } } });
    const store = new PlanStore(t.redis, t.bus.keys, config);
    const v0 = await store.current();
    await store.commit(revise(v0, 1));
    await store.commit(revise((await store.current()) as Plan, 2));
    // Redis lost the plan hash: a new lineage starts at version 1 again.
    await t.redis.del(t.bus.keys.plan);
    await store.commit(revise(await store.current(), 7));
    expect(await t.redis.hgetall(t.bus.keys.planRevisionIndex)).toEqual({ 1: expect.any(String), _min: '1' });
    expect((await store.revision(1))?.revision.reason).toBe('to 7');
    expect(await store.revision(2)).toBeUndefined();
  });
});

describe('PlanReader', () => {
  it('reads and verifies each version once, caches it, and verifies again when the stored bytes change', async () => {
    await using t = testBus();
    const config = parseConfig({ workflow: { steps: { work: { queue: 'work', params: { concurrency: 1 } } } } });
    const store = new PlanStore(t.redis, t.bus.keys, config);
    const reader = new PlanReader(store, { workflow: config.workflow, keys: KEY });
    const v0 = await store.current();
    const first = signRevision(revise(v0, 2), KEY);
    await store.commit(first);
    await store.commit(signRevision(revise(first.plan, 3), KEY));

    const a = await reader.current();
    const b = await reader.current();
    expect(a.plan.version).toBe(2);
    expect(a.trust.ok).toBe(true);
    expect(b).toBe(a);
    expect(reader.counters).toEqual({ reads: 1, verifications: 1 });

    // The current version and an old one, by version: the old one is read once.
    expect(await reader.atVersion(2)).toBe(a);
    const old = await reader.atVersion(1);
    expect(old.plan.steps.work?.params.concurrency).toBe(2);
    expect(old.trust.ok).toBe(true);
    expect(await reader.atVersion(1)).toBe(old);
    expect(reader.counters).toEqual({ reads: 2, verifications: 2 });

    await expect(reader.atVersion(9)).rejects.toMatchObject({ code: 'AWO_PLAN_CONFLICT', message: 'plan v9 does not exist (the plan is at v2)' });

    // A hostile edit behind the verified revision: read and verified again, and refused.
    const forged = { ...a.plan, steps: { work: { ...a.plan.steps.work, after: [], params: { concurrency: 99 } } } };
    await t.redis.hset(t.bus.keys.plan, 'plan', JSON.stringify(forged));
    const c = await reader.current();
    expect(c.trust.ok).toBe(false);
    expect(reader.counters).toEqual({ reads: 3, verifications: 3 });
  });

  it('says an old version is gone as the workflow did (the stream was trimmed)', async () => {
    await using t = testBus();
    const config = parseConfig({ workflow: { steps: { work: { queue: 'work', params: { concurrency: 1 } } } } });
    const store = new PlanStore(t.redis, t.bus.keys, config);
    const reader = new PlanReader(store, { workflow: config.workflow, keys: undefined });
    let plan = await store.current();
    for (let i = 0; i < 3; i++) {
      await store.commit(revise(plan, i));
      plan = (await store.current()) as Plan;
    }
    await t.redis.xtrim(t.bus.keys.stream('revisions'), 'MAXLEN', 0);
    await expect(reader.atVersion(1)).rejects.toMatchObject({ code: 'AWO_PLAN_CONFLICT', message: 'plan v1 is no longer stored (the revisions stream was trimmed or lost)' });
    expect((await reader.atVersion(0)).plan.version).toBe(0);
  });
});
