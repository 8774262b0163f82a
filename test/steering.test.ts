import { describe, expect, it } from 'vitest';
import { readSteeringEvents, verifyRevision, type Override } from '@awo/shared';
import { forecast, STEER_KEY, steeringHarness } from './steering-harness.js';
import { waitFor } from './helpers.js';

describe('overrides (pin, unpin) through the leading planner', { timeout: 20_000 }, () => {
  it('a pin ends as a signed revision the executor applies; the goal keeps it under load; unpin releases it', async () => {
    await using t = await steeringHarness();
    const asked = Date.now();
    const pin = await t.steering.pin({ step: 'work', param: 'concurrency', value: 5, reason: 'incident 42' }, 'alice');
    expect(pin).toMatchObject({ status: 'pending', step: 'work', param: 'concurrency', value: 5, by: 'alice', id: expect.stringMatching(/^[0-9a-f]{16}$/) });
    await waitFor(() => t.pool()?.size() === 5, 'the pool resized to the pinned 5');
    const appliedMs = Date.now() - asked;
    const [rev] = await t.store.history(1);
    expect(rev?.revision).toMatchObject({ version: 1, goal: 'override', changes: [{ op: 'set', step: 'work', param: 'concurrency', from: 2, to: 5 }] });
    expect(rev?.revision.plan.pins?.[pin.id]).toMatchObject({ step: 'work', param: 'concurrency', value: 5, by: 'alice', reason: 'incident 42' });
    expect(rev?.revision.reason).toMatch(/pinned work\.concurrency to 5 .*by alice.*until unpinned: incident 42.*goals will not change it/);
    expect(verifyRevision(rev?.revision as never, STEER_KEY)).toBe(true);
    expect(await t.steering.override(pin.id)).toMatchObject({ status: 'active', version: 1 });
    expect(appliedMs).toBeLessThan(5000);

    // Load that would take the goal to 8 workers: the pin holds, and the planner says so.
    await t.rt.bus.publish('insights', forecast(60));
    await waitFor(() => JSON.stringify(t.planner.status().detail ?? {}).includes('held back'), 'the goal held back by the pin');
    expect(await t.version()).toBe(1);
    expect(await t.concurrency()).toBe(5);

    const removed = await t.steering.unpin(pin.id, 'bob');
    expect(removed.status).toBe('removing');
    await waitFor(async () => (await t.steering.override(pin.id)).status === 'removed', 'the override removed');
    const history = await t.store.history(5);
    const unpinRev = history.find((h) => h.revision.goal === 'override' && h.revision.version > 1);
    expect(unpinRev?.revision.reason).toMatch(/unpinned work\.concurrency \(override [0-9a-f]{16} by bob\)/);
    expect(unpinRev?.revision.plan.pins).toBeUndefined();
    // Released: the goal acts on the next forecast and the executor follows.
    await t.rt.bus.publish('insights', forecast(60));
    await waitFor(async () => (await t.concurrency()) === 8, 'the goal takes it back (8)');
    await waitFor(() => t.pool()?.size() === 8, 'the pool resized to 8');
    await expect(t.steering.unpin(pin.id)).rejects.toMatchObject({ code: 'AWO_STEER_CONFLICT' });
  });

  it('concurrent overrides of one parameter: the newest request (highest seq) wins, the others are superseded', async () => {
    await using t = await steeringHarness({ executor: false });
    const values = [3, 4, 6, 7, 9, 11];
    const pins = await Promise.all(values.map((value) => t.steering.pin({ step: 'work', param: 'concurrency', value }, `op-${value}`)));
    const newest = pins.reduce((a, b) => (b.seq > a.seq ? b : a));
    expect(new Set(pins.map((p) => p.seq)).size).toBe(values.length);
    await waitFor(async () => (await t.steering.overrides()).every((o) => o.status === 'active' || o.status === 'superseded'), 'every override settled');
    const all = await t.steering.overrides();
    expect(all.filter((o) => o.status === 'active').map((o) => o.id)).toEqual([newest.id]);
    expect(all.filter((o) => o.status === 'superseded')).toHaveLength(values.length - 1);
    expect(await t.concurrency()).toBe(newest.value);
    expect(Object.keys((await t.store.current()).pins ?? {})).toEqual([newest.id]);
    // A later pin supersedes the active one, through a revision that says so.
    const later = await t.steering.pin({ step: 'work', param: 'concurrency', value: 12 });
    await waitFor(async () => (await t.steering.override(later.id)).status === 'active', 'the later pin active');
    expect(await t.steering.override(newest.id)).toMatchObject({ status: 'superseded', endedVersion: expect.any(Number) });
    const [rev] = await t.store.history(1);
    expect(rev?.revision.reason).toMatch(new RegExp(`override ${newest.id} of work\\.concurrency superseded`));
  });

  it('a pin with until expires into a revision; the goal takes the parameter back', async () => {
    await using t = await steeringHarness({ executor: false });
    const pin = await t.steering.pin({ step: 'work', param: 'concurrency', value: 4, until: '1s' });
    expect(pin.until).toBeGreaterThan(Date.now());
    await waitFor(async () => (await t.steering.override(pin.id)).status === 'active', 'active');
    await waitFor(async () => (await t.steering.override(pin.id)).status === 'expired', 'expired', 5000);
    const [rev] = await t.store.history(1);
    expect(rev?.revision.reason).toMatch(/pin of work\.concurrency expired/);
    expect(rev?.revision.plan.pins).toBeUndefined();
  });

  it('refuses bad requests with the field, unknown ids, and past the bound', async () => {
    await using t = await steeringHarness({ executor: false, steering: { maxOverrides: 2 } });
    await expect(t.steering.pin({ step: 'nope', param: 'concurrency', value: 3 })).rejects.toMatchObject({ code: 'AWO_REQUEST_INVALID', message: expect.stringMatching(/^step: "nope" is not a step/) });
    await expect(t.steering.pin({ step: 'work', param: 'concurrency', value: 'many' })).rejects.toMatchObject({ code: 'AWO_REQUEST_INVALID', message: expect.stringMatching(/^value: work\.concurrency holds a number/) });
    await expect(t.steering.pin({ step: 'work', param: 'concurrency', value: { x: 1 } } as never)).rejects.toMatchObject({ code: 'AWO_REQUEST_INVALID', message: expect.stringMatching(/override: value:/) });
    await expect(t.steering.pin({ step: 'work', param: 'concurrency', value: 3, until: '2001-01-01T00:00:00Z' })).rejects.toMatchObject({ code: 'AWO_REQUEST_INVALID', message: expect.stringMatching(/^until: .* not in the future/) });
    await expect(t.steering.pin({ step: 'work', param: 'concurrency', value: 3, until: 'soon' })).rejects.toMatchObject({ code: 'AWO_REQUEST_INVALID', message: expect.stringMatching(/^until:/) });
    await expect(t.steering.unpin('0123456789abcdef')).rejects.toMatchObject({ code: 'AWO_NOT_FOUND' });
    await expect(t.steering.approve('0123456789abcdef')).rejects.toMatchObject({ code: 'AWO_NOT_FOUND' });
    await t.steering.pin({ step: 'work', param: 'concurrency', value: 3 });
    await t.steering.pin({ step: 'work', param: 'batch', value: 3 });
    await expect(t.steering.pin({ step: 'work', param: 'concurrency', value: 4 })).rejects.toMatchObject({ code: 'AWO_STEER_LIMIT' });
    // Records written by someone else that fail their schema are skipped, not trusted.
    await t.rt.redis.hset(t.rt.keys.overrides, 'ffffffffffffffff', JSON.stringify({ id: 'ffffffffffffffff', step: 'work', value: 99 }));
    expect((await t.steering.overrides()).map((o: Override) => o.value).sort()).toEqual([3, 3]);
    expect(t.steering.overridesTable.invalid).toBeGreaterThan(0);
  });
});

describe('rollback', { timeout: 20_000 }, () => {
  it('writes a new signed revision whose steps equal the version asked for; the executor applies it', async () => {
    // Forecasts go stale fast, so the goal holds (fallback) rather than scaling back up after the rollback.
    await using t = await steeringHarness({ staleAfter: '700ms' });
    await t.rt.bus.publish('insights', forecast(60));
    await waitFor(async () => (await t.version()) === 1 && t.pool()?.size() === 8, 'v1: 8 workers');
    await t.rt.bus.publish('insights', forecast(120));
    await waitFor(async () => (await t.version()) === 2 && t.pool()?.size() === 15, 'v2: 15 workers');
    const v1 = (await t.store.revision(1))?.revision.plan;
    await waitFor(() => JSON.stringify(t.planner.status().detail ?? {}).includes('no fresh forecast'), 'the forecast stale: the goal holds');
    const asked = await t.steering.rollback({ toVersion: 1, reason: 'bad scale-up' }, 'carol');
    expect(asked).toMatchObject({ status: 'pending', toVersion: 1, fromVersion: 2, by: 'carol' });
    await waitFor(async () => (await t.steering.rollbackRecord(asked.id)).status === 'applied', 'rollback applied');
    const done = await t.steering.rollbackRecord(asked.id);
    const rev = (await t.store.revision(done.version as number))?.revision;
    expect(rev).toMatchObject({ goal: 'rollback', parentVersion: 2, changes: [{ op: 'set', step: 'work', param: 'concurrency', from: 15, to: 8 }] });
    expect(rev?.plan.steps).toEqual(v1?.steps);
    expect(rev?.reason).toMatch(/rollback to v1 requested by carol: bad scale-up/);
    expect(verifyRevision(rev as never, STEER_KEY)).toBe(true);
    await waitFor(() => t.pool()?.size() === 8, 'the pool back at 8');
    // Unknown versions are refused up front.
    await expect(t.steering.rollback({ toVersion: 99 })).rejects.toMatchObject({ code: 'AWO_NOT_FOUND' });
    await expect(t.steering.rollback({ toVersion: done.version as number })).rejects.toMatchObject({ code: 'AWO_REQUEST_INVALID', message: expect.stringMatching(/already at/) });
    await expect(t.steering.rollback({ toVersion: -1 } as never)).rejects.toMatchObject({ code: 'AWO_REQUEST_INVALID', message: expect.stringMatching(/toVersion/) });
  });

  it('refuses a version whose revision does not verify', async () => {
    await using t = await steeringHarness({ executor: false });
    await t.planner.close();
    // A revision signed with another key, written without the lease (as a forger could).
    const { signRevision, applyChanges } = await import('@awo/shared');
    const plan = await t.store.current();
    const next = applyChanges(plan, [{ op: 'set', step: 'work', param: 'concurrency', from: 2, to: 19 }], 1);
    await t.store.commit(signRevision({ v: 1, version: 1, parentVersion: 0, plan: next, changes: [], goal: 'x', reason: 'x', insightIds: [], at: Date.now(), leader: 'x' }, 'another-key-0123456789abcdef'));
    await t.store.commit(signRevision({ v: 1, version: 2, parentVersion: 1, plan: { ...next, version: 2 }, changes: [], goal: 'x', reason: 'x', insightIds: [], at: Date.now(), leader: 'x' }, 'another-key-0123456789abcdef'));
    await expect(t.steering.rollback({ toVersion: 1 })).rejects.toMatchObject({ code: 'AWO_REQUEST_INVALID', message: expect.stringMatching(/toVersion: v1 is not trusted/) });
  });
});

describe('proposals (goals in propose mode)', { timeout: 20_000 }, () => {
  it('a proposal changes nothing until approved; approving commits it, rejecting does not; an expired one cannot be approved', async () => {
    await using t = await steeringHarness({ mode: 'propose', steering: { proposalTtl: '1500ms' } });
    const events = await readSteeringEvents(t.rt.redis, t.rt.keys, '0');
    await t.rt.bus.publish('insights', forecast(60));
    await waitFor(async () => (await t.steering.proposals()).some((p) => p.status === 'open'), 'a proposal');
    const [first] = await t.steering.proposals();
    expect(first).toMatchObject({ goal: 'work-wait', baseVersion: 0, status: 'open', changes: [{ op: 'set', step: 'work', param: 'concurrency', from: 2, to: 8 }] });
    expect(await t.version()).toBe(0);
    // The same decision is proposed once, however often the goal evaluates.
    await t.rt.bus.publish('insights', forecast(60));
    expect((await t.steering.proposals()).filter((p) => p.status === 'open')).toHaveLength(1);
    const approved = await t.steering.approve(first?.id as string, 'dave');
    expect(approved).toMatchObject({ status: 'approved', decidedBy: 'dave' });
    await waitFor(async () => (await t.steering.proposal(approved.id)).status === 'applied', 'applied');
    const rev = (await t.store.history(1))[0]?.revision;
    expect(rev).toMatchObject({ version: 1, goal: 'work-wait', changes: first?.changes });
    expect(rev?.reason).toMatch(/^approved by dave \(proposal [0-9a-f]{16}\): /);
    expect(verifyRevision(rev as never, STEER_KEY)).toBe(true);
    await waitFor(() => t.pool()?.size() === 8, 'the pool resized to 8');
    await expect(t.steering.approve(approved.id)).rejects.toMatchObject({ code: 'AWO_STEER_CONFLICT' });

    // Rejected: recorded, the plan stays.
    await t.rt.bus.publish('insights', forecast(120));
    await waitFor(async () => (await t.steering.proposals()).some((p) => p.status === 'open' && p.baseVersion === 1), 'a second proposal');
    const second = (await t.steering.proposals()).find((p) => p.status === 'open') as { id: string };
    expect(await t.steering.reject(second.id, 'erin', { reason: 'not now' })).toMatchObject({ status: 'rejected', decidedBy: 'erin', note: 'not now' });
    expect(await t.version()).toBe(1);

    // Expired: past proposalTtl it cannot be approved.
    await t.rt.bus.publish('insights', forecast(150));
    await waitFor(async () => (await t.steering.proposals()).some((p) => p.status === 'open'), 'a third proposal');
    const third = (await t.steering.proposals()).find((p) => p.status === 'open') as { id: string; expiresAt: number };
    await waitFor(async () => (await t.steering.proposal(third.id)).status === 'expired', 'the third expired', 5000);
    await expect(t.steering.approve(third.id)).rejects.toMatchObject({ code: 'AWO_STEER_CONFLICT', message: expect.stringMatching(/already expired/) });
    expect(await t.version()).toBe(1);

    // Every state change was published on the steering events stream.
    const seen = await readSteeringEvents(t.rt.redis, t.rt.keys, events.last, { count: 1000 });
    const states = seen.entries.filter((e) => e.value.type === 'proposal').map((e) => `${e.value.item.id === first?.id ? 'first' : e.value.item.id === second.id ? 'second' : 'third'}:${e.value.item.status}`);
    expect(states).toEqual(expect.arrayContaining(['first:open', 'first:approved', 'first:applied', 'second:open', 'second:rejected', 'third:open', 'third:expired']));
  });
});
