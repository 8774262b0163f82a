import { ApiServer } from '@awo/api';
import { verifyRevision, type Config } from '@awo/shared';
import { describe, expect, it } from 'vitest';
import { type Json, TOKENS } from './api-harness.js';
import { waitFor } from './helpers.js';
import { forecast, STEER_KEY, steeringHarness, type SteerOptions } from './steering-harness.js';

/** The steering harness (a leading planner, an executor with a real pool) with the API on its runtime. */
async function steerApi(options: SteerOptions = {}) {
  const t = await steeringHarness(options);
  const config = { ...t.config, api: { ...t.config.api, port: 0, tokens: [{ name: 'ops', role: 'operator', tokenEnv: 'X', token: TOKENS.operator }, { name: 'viewer', role: 'viewer', tokenEnv: 'Y', token: TOKENS.viewer }] } } as Config;
  const server = new ApiServer({ config, redis: t.rt.redis, connect: (n, o) => t.rt.connect(`api:${n}`, o), keys: t.rt.keys, log: t.rt.deps('executor').log.child({ agent: 'api' }), metrics: t.rt.metrics.agent('api') });
  await server.start();
  const base = `http://127.0.0.1:${server.port}`;
  const call = async (method: string, path: string, as: keyof typeof TOKENS, body?: unknown): Promise<{ status: number; json: Json }> => {
    const res = await fetch(base + path, { method, headers: { authorization: `Bearer ${TOKENS[as]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, json: await res.json() };
  };
  return {
    t,
    base,
    call,
    async [Symbol.asyncDispose]() {
      await server.close();
      await t[Symbol.asyncDispose]();
    },
  };
}

describe('the API\'s steering routes, through a leading planner and an executor', { timeout: 30_000 }, () => {
  it('an override and a rollback end as signed revisions the executor applies; removing the override lets the goal decide again', async () => {
    await using s = await steerApi();
    const { t, call } = s;
    const pinned = await call('POST', '/api/v1/plan/overrides', 'operator', { step: 'work', param: 'concurrency', value: 5, reason: 'incident 42' });
    expect(pinned.status).toBe(202);
    expect(pinned.json).toMatchObject({ status: 'pending', step: 'work', param: 'concurrency', value: 5, by: 'ops' });
    await waitFor(() => t.pool()?.size() === 5, 'the pool resized to the pinned 5');
    const listed = await call('GET', '/api/v1/plan/overrides', 'viewer');
    expect(listed.json.items).toEqual([expect.objectContaining({ id: pinned.json.id, status: 'active', version: 1 })]);
    const plan = await call('GET', '/api/v1/plan', 'viewer');
    expect(plan.json).toMatchObject({ plan: { version: 1, steps: { work: { params: { concurrency: 5 } } } }, revision: { goal: 'override', signed: true, diff: ['work.concurrency 2 → 5'] } });
    expect(verifyRevision((await t.store.history(1))[0]?.revision as never, STEER_KEY)).toBe(true);

    const unpinned = await call('DELETE', `/api/v1/plan/overrides/${pinned.json.id}`, 'operator');
    expect(unpinned).toMatchObject({ status: 202, json: { id: pinned.json.id, status: 'removing', endedBy: 'ops' } });
    await waitFor(async () => (await call('GET', '/api/v1/plan/overrides', 'viewer')).json.items[0].status === 'removed', 'the override removed');
    expect((await call('DELETE', `/api/v1/plan/overrides/${pinned.json.id}`, 'operator')).json.error.code).toBe('AWO_STEER_CONFLICT');
    await t.rt.bus.publish('insights', forecast(60));
    await waitFor(async () => (await t.concurrency()) === 8, 'the goal takes it back (8)');
    await waitFor(() => t.pool()?.size() === 8, 'the pool at 8');

    const versionBefore = await t.version();
    const rolled = await call('POST', '/api/v1/plan/rollback', 'operator', { toVersion: 1, reason: 'back to the pin' });
    expect(rolled).toMatchObject({ status: 202, json: { status: 'pending', toVersion: 1, fromVersion: versionBefore, by: 'ops' } });
    await waitFor(async () => (await t.version()) > versionBefore && (await t.concurrency()) === 5, 'the rollback revision');
    const [rev] = await t.store.history(1);
    expect(rev?.revision.changes).toEqual([{ op: 'set', step: 'work', param: 'concurrency', from: 8, to: 5 }]);
    expect(verifyRevision(rev?.revision as never, STEER_KEY)).toBe(true);
    await waitFor(() => t.pool()?.size() === 5, 'the executor applied the rollback');
  });

  it('concurrent overrides: the newest request wins, the others end superseded', async () => {
    await using s = await steerApi({ executor: false });
    const answers = await Promise.all([3, 4, 6, 7].map((value) => s.call('POST', '/api/v1/plan/overrides', 'operator', { step: 'work', param: 'concurrency', value })));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202]);
    const newest = answers.map((a) => a.json).reduce((a, b) => (b.seq > a.seq ? b : a));
    await waitFor(async () => (await s.call('GET', '/api/v1/plan/overrides', 'viewer')).json.items.every((o: Json) => o.status === 'active' || o.status === 'superseded'), 'every override settled');
    const items = (await s.call('GET', '/api/v1/plan/overrides', 'viewer')).json.items as Json[];
    expect(items.filter((o) => o.status === 'active').map((o) => o.id)).toEqual([newest.id]);
    expect(items.filter((o) => o.status === 'superseded')).toHaveLength(3);
    expect(await s.t.concurrency()).toBe(newest.value);
  });

  it('lists proposals, streams them as events, and approving one changes the plan; rejecting does not', async () => {
    await using s = await steerApi({ mode: 'propose' });
    const { t, call } = s;
    const controller = new AbortController();
    const events = await fetch(`${s.base}/api/v1/events?types=proposal`, { headers: { authorization: `Bearer ${TOKENS.viewer}` }, signal: controller.signal });
    expect(events.status).toBe(200);
    await t.rt.bus.publish('insights', forecast(60));
    let open: Json;
    await waitFor(async () => {
      open = (await call('GET', '/api/v1/proposals', 'viewer')).json.items.find((p: Json) => p.status === 'open');
      return open !== undefined;
    }, 'an open proposal');
    expect(open).toMatchObject({ goal: 'work-wait', baseVersion: 0, changes: [{ op: 'set', step: 'work', param: 'concurrency', from: 2, to: 8 }] });
    const reader = (events.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    await waitFor(async () => {
      text += new TextDecoder().decode((await reader.read()).value);
      return text.includes(`"id":"${open.id}"`);
    }, 'the proposal as an event');
    expect(text).toMatch(/event: proposal\nid: proposal:\S+\ndata: \{"entryId":"[^"]+","proposal":\{/);
    controller.abort();
    await reader.cancel().catch(() => undefined);

    expect((await call('POST', `/api/v1/proposals/${open.id}/approve`, 'viewer')).status).toBe(403);
    const approved = await call('POST', `/api/v1/proposals/${open.id}/approve`, 'operator', { reason: 'looks right' });
    expect(approved).toMatchObject({ status: 200, json: { status: 'approved', decidedBy: 'ops', note: 'looks right' } });
    await waitFor(async () => (await t.concurrency()) === 8, 'the approved proposal in the plan');
    await waitFor(() => t.pool()?.size() === 8, 'the executor applied it');
    expect((await call('POST', `/api/v1/proposals/${open.id}/approve`, 'operator')).json.error.code).toBe('AWO_STEER_CONFLICT');

    await t.rt.bus.publish('insights', forecast(120));
    let second: Json;
    await waitFor(async () => {
      second = (await call('GET', '/api/v1/proposals', 'viewer')).json.items.find((p: Json) => p.status === 'open');
      return second !== undefined;
    }, 'a second proposal');
    const version = await t.version();
    expect((await call('POST', `/api/v1/proposals/${second.id}/reject`, 'operator')).json).toMatchObject({ status: 'rejected', decidedBy: 'ops' });
    expect(await t.version()).toBe(version);
  });

  it('asks for a config reload, and refuses bad steering requests naming the field, unknown ids with 404', async () => {
    await using s = await steerApi({ executor: false });
    const { t, call } = s;
    const reload = await call('POST', '/api/v1/config/reload', 'operator');
    expect(reload).toMatchObject({ status: 202, json: { id: expect.stringMatching(/^\d+-\d+$/), at: expect.any(Number) } });
    const [control] = (await t.rt.redis.xrange(t.rt.keys.control, reload.json.id, reload.json.id)) as [string, string[]][];
    expect(JSON.parse(control?.[1][1] as string)).toMatchObject({ op: 'reload', by: 'ops' });
    expect((await call('POST', '/api/v1/config/reload', 'viewer')).status).toBe(403);

    const missing = await call('POST', '/api/v1/plan/overrides', 'operator', { param: 'concurrency', value: 5 });
    expect(missing).toMatchObject({ status: 400, json: { error: { code: 'AWO_API_BAD_REQUEST', field: 'body.step' } } });
    const unknownStep = await call('POST', '/api/v1/plan/overrides', 'operator', { step: 'nope', param: 'concurrency', value: 5 });
    expect(unknownStep).toMatchObject({ status: 400, json: { error: { code: 'AWO_REQUEST_INVALID', field: 'body.step' } } });
    const wrongType = await call('POST', '/api/v1/plan/overrides', 'operator', { step: 'work', param: 'concurrency', value: 'lots' });
    expect(wrongType).toMatchObject({ status: 400, json: { error: { field: 'body.value' } } });
    const badRollback = await call('POST', '/api/v1/plan/rollback', 'operator', { toVersion: -1 });
    expect(badRollback).toMatchObject({ status: 400, json: { error: { field: 'body.toVersion' } } });
    expect((await call('POST', '/api/v1/plan/rollback', 'operator', { toVersion: 9 })).status).toBe(404);
    expect((await call('DELETE', '/api/v1/plan/overrides/0123456789abcdef', 'operator')).status).toBe(404);
    expect((await call('POST', '/api/v1/proposals/0123456789abcdef/approve', 'operator')).status).toBe(404);
    expect((await call('POST', '/api/v1/proposals/0123456789abcdef/reject', 'operator')).status).toBe(404);
    expect((await call('DELETE', '/api/v1/plan/overrides/x', 'operator')).json.error.field).toBe('params.id');
  });
});
