import { describe, expect, it } from 'vitest';
import { deadLettersCommand } from '../packages/cli/src/commands/dead-letters.js';
import { runsCommand } from '../packages/cli/src/commands/runs.js';
import type { Io } from '../packages/cli/src/io.js';
import { startApi, type Json } from './api-harness.js';
import { REDIS_URL, waitFor } from './helpers.js';

/** Runs a CLI command in-process on the test's prefix; its output lines. */
async function cli(command: (argv: string[], io: Io) => Promise<number>, argv: string[], prefix: string): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await command(argv, { out: (l: string) => out.push(l), err: (l: string) => out.push(l), env: { AWO_PREFIX: prefix, AWO_REDIS_URL: REDIS_URL }, signal: new AbortController().signal });
  return { code, out };
}

describe('the API over a running workflow and executor', () => {
  it('takes records idempotently by their key, and keeps each record\'s run with its route, plan version and attempts', async () => {
    await using api = await startApi();
    const post = (records: unknown[]) => api.call('POST', '/api/v1/workflows/orders/records', 'operator', { records });
    const first = await post([{ id: 'o1', amount: 1 }, { id: 'o2', amount: 2 }, { id: 'o3', amount: 3 }]);
    expect(first.status).toBe(202);
    expect(first.json).toMatchObject({ workflow: 'orders', idempotent: true, accepted: 3, duplicates: 0 });
    const again = await post([{ id: 'o1', amount: 1 }, { id: 'o2', amount: 2 }, { id: 'o3', amount: 3 }]);
    expect(again.json).toMatchObject({ accepted: 0, duplicates: 3, records: [{ id: 'o1', duplicate: true }, { id: 'o2', duplicate: true }, { id: 'o3', duplicate: true }] });
    const twice = await post([{ id: 'o4', amount: 4 }, { id: 'o4', amount: 4 }]);
    expect(twice.json).toMatchObject({ accepted: 1, duplicates: 1 });
    await waitFor(async () => (await api.runtime.redis.xlen(api.runtime.keys.sink('store'))) >= 4, 'four records stored', 15_000);
    await waitFor(async () => (await api.call('GET', '/api/v1/runs?limit=10', 'viewer')).json.items.filter((r: Json) => r.status === 'completed').length === 4, 'four completed runs', 10_000);
    // Posted again once they ran: still nothing added (the runner counted them in).
    expect((await post([{ id: 'o1', amount: 1 }])).json).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await api.runtime.redis.xlen(api.runtime.keys.sink('store'))).toBe(4);

    const page1 = await api.call('GET', '/api/v1/runs?limit=3', 'viewer');
    expect(page1.json.items).toHaveLength(3);
    expect(page1.json.nextCursor).toEqual(expect.any(String));
    const page2 = await api.call('GET', `/api/v1/runs?limit=3&cursor=${encodeURIComponent(page1.json.nextCursor)}`, 'viewer');
    expect(page2.json.items).toHaveLength(1);
    expect(page2.json.nextCursor).toBeNull();
    expect([...page1.json.items, ...page2.json.items].map((r: Json) => r.id).sort()).toEqual(['o1', 'o2', 'o3', 'o4']);

    const run = await api.call('GET', '/api/v1/runs/o2', 'viewer');
    expect(run.json).toMatchObject({ id: 'o2', version: 0, status: 'completed', route: ['ingest', 'validate', 'store'], dropped: 0 });
    expect(run.json.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(run.json.steps.map((s: Json) => s.step)).toEqual(['ingest', 'validate', 'store']);
    for (const s of run.json.steps) {
      expect(s.attempts).toHaveLength(1);
      const a = s.attempts[0];
      expect(a).toMatchObject({ attempt: 1, outcome: 'passed' });
      expect(a.queuedAt).toBeLessThanOrEqual(a.start);
      expect(a.start).toBeLessThanOrEqual(a.end);
    }
    expect(run.json.steps[0].attempts[0].next).toEqual(['validate']);
    const steps = page1.json.steps as Json[];
    expect(steps.map((s) => s.step)).toEqual(['ingest', 'store', 'validate']);
    for (const s of steps) expect(s).toMatchObject({ attempts: 4, passed: 4, refused: 0, errors: 0, done: 4 });
    expect(steps[0].latencyMs.p95).toEqual(expect.any(Number));
    expect(steps[0].workerSeconds).toBeGreaterThanOrEqual(0);

    const listed = await cli(runsCommand, ['--json'], api.prefix);
    expect(listed.code).toBe(0);
    const parsed = JSON.parse(listed.out[0] as string);
    expect(parsed.runs.map((r: Json) => r.id).sort()).toEqual(['o1', 'o2', 'o3', 'o4']);
    expect(parsed.steps).toHaveLength(3);
    const text = await cli(runsCommand, [], api.prefix);
    expect(text.out.join('\n')).toMatch(/o2 {2}completed {2}plan v0 .* route ingest → validate → store/);
  }, 40_000);

  it('shows an action the executor ran for a revision, with attempts, duration, result and its trace as a tree', async () => {
    await using api = await startApi();
    await api.commit([{ op: 'set', step: 'knob', param: 'level', from: 1, to: 5 }]);
    let listed: Json;
    await waitFor(async () => {
      listed = (await api.call('GET', '/api/v1/actions', 'viewer')).json;
      return listed.items.length === 1 && listed.items[0].result !== null;
    }, 'the action and its result', 15_000);
    const { action, result } = listed.items[0];
    expect(action).toMatchObject({ version: 1, action: 'set-level', kind: 'redis-set', step: 'knob', param: 'level', value: 5, from: 1 });
    expect(result).toMatchObject({ ok: true, attempts: 1, value: 5 });
    expect(await api.runtime.redis.get(`${api.prefix}:level:knob`)).toBe('5');
    const one = await api.call('GET', `/api/v1/actions/${encodeURIComponent(action.id)}`, 'viewer');
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ id: action.id, ok: true, attempts: 1, action: { value: 5 } });
    expect(one.json.results).toHaveLength(1);
    expect(one.json.durationMs).toBeGreaterThanOrEqual(0);
    expect(one.json.traceId).toMatch(/^[0-9a-f]{32}$/);
    let tree: Json;
    await waitFor(async () => {
      const r = await api.call('GET', `/api/v1/traces/${one.json.traceId}`, 'viewer');
      tree = r.json;
      return r.status === 200 && JSON.stringify(tree).includes(`SET ${api.prefix}:level:knob`);
    }, 'the action\'s spans in the span store', 15_000);
    expect(tree.traceId).toBe(one.json.traceId);
    expect(tree.services).toContain('awo-executor');
    expect(tree.roots.length).toBeGreaterThan(0);
    const walk = (n: Json): Json[] => [n, ...n.children.flatMap(walk)];
    const nodes = tree.roots.flatMap(walk);
    expect(nodes.length).toBe(tree.spans);
    expect(nodes.every((n: Json) => typeof n.startMs === 'number' && typeof n.durationMs === 'number')).toBe(true);
    // revision consumed → action published → action run (step knob) → the Redis call that applied it.
    expect(nodes.map((n: Json) => n.name)).toEqual(expect.arrayContaining(['process revisions', 'publish actions', 'process actions', `SET ${api.prefix}:level:knob`]));
    expect(nodes.find((n: Json) => n.name === 'process actions')?.attributes).toMatchObject({ 'awo.step': 'knob', 'awo.plan.version': 1 });
  }, 40_000);

  it('lists dead letters the executor wrote and replays one once, back to its stream, where it is read again', async () => {
    await using api = await startApi();
    const revisions = api.runtime.keys.stream('revisions');
    await api.runtime.redis.xadd(revisions, '*', 'data', JSON.stringify({ v: 1, version: 'one' }));
    let first: Json;
    await waitFor(async () => {
      first = (await api.call('GET', '/api/v1/dead-letters', 'viewer')).json;
      return first.items.length === 1;
    }, 'the executor to dead-letter the entry', 15_000);
    const dl = first.items[0];
    expect(dl).toMatchObject({ replayedAs: null, deadLetter: { stream: revisions, group: expect.stringMatching(/^executor\.executor-\d+-[0-9a-f]{8}$/), code: 'AWO_MESSAGE_INVALID', raw: { data: '{"v":1,"version":"one"}' } } });
    const replay = await api.call('POST', `/api/v1/dead-letters/${dl.entryId}/replay`, 'operator');
    expect(replay.status).toBe(200);
    expect(replay.json).toMatchObject({ entryId: dl.entryId, stream: revisions, replayedAs: expect.stringMatching(/^\d+-\d+$/) });
    const [entry] = (await api.runtime.redis.xrange(revisions, replay.json.replayedAs, replay.json.replayedAs)) as [string, string[]][];
    expect(entry?.[1]).toEqual(['data', '{"v":1,"version":"one"}']);
    // The executor reads it again (and refuses it again: its schema still fails).
    await waitFor(async () => (await api.call('GET', '/api/v1/dead-letters', 'viewer')).json.items.some((i: Json) => i.deadLetter.id === replay.json.replayedAs), 'the replayed entry read again', 15_000);
    const again = await api.call('POST', `/api/v1/dead-letters/${dl.entryId}/replay`, 'operator');
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: 'AWO_API_CONFLICT', message: expect.stringContaining(replay.json.replayedAs) });
    const listed = await api.call('GET', '/api/v1/dead-letters?limit=1', 'viewer');
    expect(listed.json.items).toHaveLength(1);
    expect(listed.json.nextCursor).toEqual(expect.any(String));
    const older = await api.call('GET', `/api/v1/dead-letters?limit=1&cursor=${listed.json.nextCursor}`, 'viewer');
    expect(older.json.items[0]).toMatchObject({ entryId: dl.entryId, replayedAs: replay.json.replayedAs });
    // A dead letter naming a key that is not one of awo's streams is never replayed there.
    const forged = await api.runtime.bus.publish('deadletter', { v: 1, stream: 'elsewhere:stream', id: '1-0', code: 'AWO_MESSAGE_INVALID', reason: 'x', raw: { data: '{}' }, at: Date.now() });
    const refused = await api.call('POST', `/api/v1/dead-letters/${forged[0]}/replay`, 'operator');
    expect(refused.status).toBe(409);
    expect(await api.runtime.redis.exists('elsewhere:stream')).toBe(0);
    const cliList = await cli(deadLettersCommand, ['list', '--json'], api.prefix);
    expect(JSON.parse(cliList.out[0] as string)).toHaveLength(3);
    await expect(cli(deadLettersCommand, ['replay', dl.entryId], api.prefix)).rejects.toThrow(/already replayed/);
  }, 40_000);

  it('serves series with their points and latest forecast, and insights, skipping entries that fail their schema', async () => {
    await using api = await startApi();
    const now = Date.now();
    await api.runtime.bus.publish('metrics', [1, 2, 3, 4, 5].map((i) => ({ v: 1 as const, series: 'load.rps', value: i * 10, ts: now - (5 - i) * 1000, source: 'test' })));
    await api.runtime.bus.publish('metrics', { v: 1, series: 'load.other', value: 1, unit: 'jobs', ts: now, source: 'test' });
    await api.runtime.bus.publish('insights', { v: 1, id: 'f-1', kind: 'forecast', series: 'load.rps', ts: now, metricIds: [], model: 'holt-winters', value: 60, lower: 55, upper: 66, horizonMs: 10_000, observed: 50 });
    await api.runtime.redis.xadd(api.runtime.keys.stream('insights'), '*', 'data', JSON.stringify({ v: 1, id: 'bad', kind: 'forecast', series: 'load.rps', value: 'lots' }));
    const all = await api.call('GET', '/api/v1/series', 'viewer');
    expect(all.json.items.map((s: Json) => [s.name, s.points])).toEqual([['load.other', 1], ['load.rps', 5]]);
    const paged = await api.call('GET', '/api/v1/series?limit=1', 'viewer');
    expect(paged.json).toMatchObject({ items: [{ name: 'load.other', unit: 'jobs' }], nextCursor: 'load.other' });
    expect((await api.call('GET', '/api/v1/series?limit=1&cursor=load.other', 'viewer')).json).toMatchObject({ items: [{ name: 'load.rps', value: 50 }], nextCursor: null });
    const rps = await api.call('GET', '/api/v1/series/load.rps', 'viewer');
    expect(rps.json.points.map((p: Json) => p.value)).toEqual([10, 20, 30, 40, 50]);
    expect(rps.json.forecast).toMatchObject({ insightId: 'f-1', model: 'holt-winters', value: 60, lower: 55, upper: 66, horizonMs: 10_000 });
    expect((await api.call('GET', '/api/v1/series/load.rps?points=2', 'viewer')).json.points.map((p: Json) => p.value)).toEqual([40, 50]);
    const insights = await api.call('GET', '/api/v1/insights', 'viewer');
    expect(insights.json.items.map((i: Json) => i.insight.id)).toEqual(['f-1']);
    expect((await api.call('GET', '/api/v1/insights?kind=anomaly', 'viewer')).json.items).toEqual([]);
    expect((await api.call('GET', '/api/v1/insights?series=load.rps&kind=forecast', 'viewer')).json.items).toHaveLength(1);
  });
});
