import { describe, expect, it } from 'vitest';
import { applyChanges, Lease, parseConfig, PlanStore, type Plan, type PlanRevision } from '@awo/shared';
import { testBus, waitFor } from './helpers.js';

const config = parseConfig({ workflow: { steps: { work: { queue: 'work', params: { concurrency: 2 } } } } });

function revise(plan: Plan, to: number, leader = 'p1'): PlanRevision {
  const version = plan.version + 1;
  const change = { op: 'set' as const, step: 'work', param: 'concurrency', from: plan.steps.work?.params.concurrency ?? null, to };
  return { v: 1, version, parentVersion: plan.version, plan: applyChanges(plan, [change], version), changes: [change], goal: 'g', reason: `to ${to}`, insightIds: [], at: Date.now(), leader };
}

describe('PlanStore', () => {
  it('starts at version 0 from the config and appends every revision to the history', async () => {
    await using t = testBus();
    const store = new PlanStore(t.redis, t.bus.keys, config);
    const v0 = await store.current();
    expect(v0.version).toBe(0);
    await store.commit(revise(v0, 4));
    const v1 = await store.current();
    expect(v1).toMatchObject({ version: 1, steps: { work: { params: { concurrency: 4 } } } });
    await store.commit(revise(v1, 6));
    const history = await store.history();
    expect(history.map((h) => h.revision.version)).toEqual([2, 1]);
    expect(history[0]?.revision.reason).toBe('to 6');
  });

  it('refuses a write on a stale version (compare-and-set)', async () => {
    await using t = testBus();
    const store = new PlanStore(t.redis, t.bus.keys, config);
    const v0 = await store.current();
    await store.commit(revise(v0, 4));
    await expect(store.commit(revise(v0, 9))).rejects.toMatchObject({ code: 'AWO_PLAN_CONFLICT' });
    expect((await store.current()).steps.work?.params.concurrency).toBe(4);
    expect(await store.history()).toHaveLength(1);
  });

  it('refuses a write from a writer that does not hold the lease', async () => {
    await using t = testBus();
    const store = new PlanStore(t.redis, t.bus.keys, config);
    const a = new Lease(t.redis, t.bus.keys.lease, 5000, 'a');
    const b = new Lease(t.redis, t.bus.keys.lease, 5000, 'b');
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    const v0 = await store.current();
    await expect(store.commit(revise(v0, 3, 'b'), b.token)).rejects.toMatchObject({ code: 'AWO_NOT_LEADER' });
    await store.commit(revise(v0, 3, 'a'), a.token);
    await a.release();
    expect(await b.acquire()).toBe(true);
    // a's lease is gone: its late write is refused even at the right version.
    await expect(store.commit(revise(await store.current(), 7, 'a'), a.token)).rejects.toMatchObject({ code: 'AWO_NOT_LEADER' });
  });

  it('a lease expires when its holder stops renewing it', async () => {
    await using t = testBus();
    const a = new Lease(t.redis, t.bus.keys.lease, 150, 'a');
    const b = new Lease(t.redis, t.bus.keys.lease, 150, 'b');
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    await waitFor(() => b.acquire(), 'the unrenewed lease to expire', 2000, 20);
    expect(await a.renew()).toBe(false);
  });
});

describe('PlanStore epochs', () => {
  it('starts a lineage with the first revision and refuses a revision of another lineage at the same version', async () => {
    await using t = testBus();
    const store = new PlanStore(t.redis, t.bus.keys, config);
    const v0 = await store.current();
    expect(v0.epoch).toMatch(/^[0-9a-f]{12}$/);
    // Before the first revision every read offers a fresh epoch: nothing is stored yet.
    expect((await store.current()).epoch).not.toBe(v0.epoch);
    await store.commit(revise(v0, 4));
    const v1 = await store.current();
    expect(v1.epoch).toBe(v0.epoch);
    expect((await store.history())[0]?.revision.plan.epoch).toBe(v0.epoch);
    // A writer still on a lineage Redis lost: same version numbers, another epoch.
    const other = revise({ ...v1, epoch: 'aaaaaaaaaaaa' }, 9);
    await expect(store.commit(other)).rejects.toMatchObject({ code: 'AWO_PLAN_CONFLICT', message: expect.stringMatching(/of epoch [0-9a-f]{12}, not aaaaaaaaaaaa/) });
    await store.commit(revise(v1, 6));
    expect(await store.current()).toMatchObject({ epoch: v0.epoch, version: 2 });
  });
});
