import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { startApi, TOKENS, type Json } from './api-harness.js';
import { waitFor } from './helpers.js';

/** Every route of the API, as OpenAPI names it. */
const ROUTES = [
  'GET /api/v1/plan',
  'GET /api/v1/plan/revisions',
  'GET /api/v1/plan/revisions/{version}',
  'GET /api/v1/series',
  'GET /api/v1/series/{name}',
  'GET /api/v1/insights',
  'GET /api/v1/actions',
  'GET /api/v1/actions/{id}',
  'GET /api/v1/traces/{traceId}',
  'POST /api/v1/workflows/{name}/records',
  'GET /api/v1/runs',
  'GET /api/v1/runs/{id}',
  'GET /api/v1/dead-letters',
  'POST /api/v1/dead-letters/{id}/replay',
  'GET /api/v1/registry',
  'GET /api/v1/events',
  'GET /api/v1/plan/overrides',
  'POST /api/v1/plan/overrides',
  'DELETE /api/v1/plan/overrides/{id}',
  'POST /api/v1/plan/rollback',
  'GET /api/v1/proposals',
  'POST /api/v1/proposals/{id}/approve',
  'POST /api/v1/proposals/{id}/reject',
  'POST /api/v1/config/reload',
  // The console's (packages/console): the config's goals it draws.
  'GET /api/v1/goals',
];

describe('the API: auth, errors, plan, events, OpenAPI', () => {
  it('answers 401 without a known token and 403 when the role is too low, with a clear body, and never logs a token', async () => {
    await using api = await startApi();
    const none = await api.call('GET', '/api/v1/plan');
    expect(none.status).toBe(401);
    expect(none.json.error).toMatchObject({ code: 'AWO_API_UNAUTHORIZED', message: expect.stringContaining('Authorization: Bearer') });
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="awo"');
    const wrong = await api.call('GET', '/api/v1/plan', 'not-a-token-of-this-config');
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe('AWO_API_UNAUTHORIZED');
    const viewer = await api.call('POST', '/api/v1/workflows/orders/records', 'viewer', { records: [{ id: 'a', amount: 1 }] });
    expect(viewer.status).toBe(403);
    expect(viewer.json.error).toEqual({ code: 'AWO_API_FORBIDDEN', message: 'token "viewer" has the role viewer; POST /api/v1/workflows/:name/records needs operator' });
    expect((await api.call('POST', '/api/v1/dead-letters/1-1/replay', 'viewer')).status).toBe(403);
    expect((await api.call('GET', '/api/v1/plan', 'viewer')).status).toBe(200);
    expect((await api.call('GET', '/api/v1/plan', 'operator')).status).toBe(200);
    await waitFor(() => api.lines.some((l) => l.includes('"route":"/api/v1/plan"')), 'the request log lines');
    const logged = api.lines.join('');
    for (const token of [...Object.values(TOKENS), 'not-a-token-of-this-config']) expect(logged).not.toContain(token);
  });

  it('answers 400 naming the field for bad bodies, params and queries, and 404 for unknown ids and routes', async () => {
    await using api = await startApi();
    const notJson = await api.call('POST', '/api/v1/workflows/orders/records', 'operator', '{"records": [');
    expect(notJson.status).toBe(400);
    expect(notJson.json.error).toMatchObject({ code: 'AWO_API_BAD_REQUEST', field: 'body' });
    const wrongType = await api.call('POST', '/api/v1/workflows/orders/records', 'operator', { records: 'x' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.error).toMatchObject({ code: 'AWO_API_BAD_REQUEST', field: 'body.records' });
    const unknownField = await api.call('POST', '/api/v1/workflows/orders/records', 'operator', { records: [{ id: 'a' }], extra: 1 });
    expect(unknownField.json.error.message).toMatch(/extra/);
    const noKey = await api.call('POST', '/api/v1/workflows/orders/records', 'operator', { records: [{ id: 'a', amount: 1 }, { amount: 2 }] });
    expect(noKey.status).toBe(400);
    expect(noKey.json.error).toMatchObject({ field: 'body.records[1].id', message: expect.stringContaining('workflow.schema.key') });
    const badVersion = await api.call('GET', '/api/v1/plan/revisions/abc', 'viewer');
    expect(badVersion.status).toBe(400);
    expect(badVersion.json.error.field).toBe('params.version');
    const badLimit = await api.call('GET', '/api/v1/insights?limit=0', 'viewer');
    expect(badLimit.json.error).toMatchObject({ code: 'AWO_API_BAD_REQUEST', field: 'query.limit' });
    expect((await api.call('GET', '/api/v1/insights?kind=rumour', 'viewer')).json.error.field).toBe('query.kind');
    expect((await api.call('GET', '/api/v1/traces/xyz', 'viewer')).json.error.field).toBe('params.traceId');
    expect((await api.call('GET', '/api/v1/events?types=gossip', 'viewer')).json.error.field).toBe('query.types');
    expect((await api.call('POST', '/api/v1/dead-letters/nope/replay', 'operator')).json.error.field).toBe('params.id');
    for (const path of ['/api/v1/plan/revisions/999', '/api/v1/runs/no-such-record', '/api/v1/actions/no-such-action', '/api/v1/series/no.such.series', `/api/v1/traces/${'ab'.repeat(16)}`, '/api/v1/nothing-here']) {
      const r = await api.call('GET', path, 'viewer');
      expect({ path, status: r.status, code: r.json.error?.code }).toEqual({ path, status: 404, code: 'AWO_API_NOT_FOUND' });
    }
    expect((await api.call('POST', '/api/v1/dead-letters/1-1/replay', 'operator')).status).toBe(404);
    const otherWorkflow = await api.call('POST', '/api/v1/workflows/payments/records', 'operator', { records: [{ id: 'a', amount: 1 }] });
    expect(otherWorkflow.status).toBe(404);
    expect(otherWorkflow.json.error.message).toContain('"orders"');
  });

  it('rate-limits writes per token with 429 and retry-after, leaving other tokens and reads alone', async () => {
    await using api = await startApi();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await api.call('POST', '/api/v1/dead-letters/1-1/replay', 'burst')).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(404));
    expect(statuses[10]).toBe(429);
    const limited = await api.call('POST', '/api/v1/workflows/orders/records', 'burst', { records: [{ id: 'r', amount: 1 }] });
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('AWO_API_RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await api.call('POST', '/api/v1/dead-letters/1-1/replay', 'operator')).status).toBe(404);
    expect((await api.call('GET', '/api/v1/plan', 'burst')).status).toBe(200);
  });

  it('serves the plan, its revisions page by page, and a revision with its diff and explain text', async () => {
    await using api = await startApi();
    const initial = await api.call('GET', '/api/v1/plan', 'viewer');
    expect(initial.json).toMatchObject({ plan: { version: 0, steps: { knob: { params: { level: 1 } } } }, revision: null });
    for (const level of [2, 3, 4]) await api.commit([{ op: 'set', step: 'knob', param: 'level', from: level - 1, to: level }]);
    const plan = await api.call('GET', '/api/v1/plan', 'viewer');
    expect(plan.json).toMatchObject({ plan: { version: 3, steps: { knob: { params: { level: 4 } } } }, revision: { version: 3, goal: 'test', diff: ['knob.level 3 → 4'], signed: false } });
    const first = await api.call('GET', '/api/v1/plan/revisions?limit=2', 'viewer');
    expect(first.json.items.map((r: { version: number }) => r.version)).toEqual([3, 2]);
    expect(first.json.nextCursor).toEqual(first.json.items[1].id);
    const second = await api.call('GET', `/api/v1/plan/revisions?limit=2&cursor=${first.json.nextCursor}`, 'viewer');
    expect(second.json.items.map((r: { version: number }) => r.version)).toEqual([1]);
    expect(second.json.nextCursor).toBeNull();
    const one = await api.call('GET', '/api/v1/plan/revisions/2', 'viewer');
    expect(one.json).toMatchObject({ revision: { version: 2, parentVersion: 1, reason: 'test revision 2' }, diff: ['knob.level 2 → 3'] });
    expect(one.json.explain.text[0]).toMatch(/^Plan v2 \(from v1\), written .* by test-planner for goal "test", knob.level 2 → 3\.$/);
    expect(one.json.explain.text).toContain('Why: test revision 2.');
  });

  it('streams a new revision to an events client, with heartbeats, and refuses clients past api.events.maxClients', async () => {
    await using api = await startApi();
    const controller = new AbortController();
    const res = await fetch(`${api.base}/api/v1/events?types=revision`, { headers: { authorization: `Bearer ${TOKENS.viewer}` }, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const second = await fetch(`${api.base}/api/v1/events`, { headers: { authorization: `Bearer ${TOKENS.viewer}` }, signal: controller.signal });
    expect(second.status).toBe(200);
    const third = await fetch(`${api.base}/api/v1/events`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } });
    expect(third.status).toBe(503);
    expect(((await third.json()) as Json).error.code).toBe('AWO_API_UNAVAILABLE');
    const unauthorized = await fetch(`${api.base}/api/v1/events`);
    expect(unauthorized.status).toBe(401);
    await api.commit([{ op: 'set', step: 'knob', param: 'level', from: 1, to: 7 }]);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const decoder = new TextDecoder();
    await waitFor(async () => {
      const { value } = await reader.read();
      text += decoder.decode(value);
      return /event: revision\n/.test(text) && text.includes(': heartbeat');
    }, 'a revision event and a heartbeat');
    const event = /event: revision\nid: revision:(\S+)\ndata: (.*)\n\n/.exec(text);
    expect(event).not.toBeNull();
    const data = JSON.parse(event?.[2] as string);
    expect(data.entryId).toBe(event?.[1]);
    expect(data.revision).toMatchObject({ version: 1, changes: [{ op: 'set', step: 'knob', param: 'level', to: 7 }] });
    controller.abort();
    await reader.cancel().catch(() => undefined);
  });

  it('publishes a valid OpenAPI 3.1 document describing every route, and a docs page', async () => {
    await using api = await startApi();
    const res = await fetch(`${api.base}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Json;
    expect(doc.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const described = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(described.sort()).toEqual([...ROUTES].sort());
    const records = doc.paths['/api/v1/workflows/{name}/records'].post;
    expect(records.security).toEqual([{ bearer: [] }]);
    expect(records.description).toMatch(/operator.*rate-limited/);
    expect(records.requestBody.content['application/json'].schema.properties.records.type).toBe('array');
    expect(Object.keys(records.responses).sort()).toEqual(['202', '400', '401', '403', '404', '409', '429']);
    const docs = await fetch(`${api.base}/docs`);
    expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await docs.text();
    for (const route of ROUTES) expect(html).toContain(route.split(' ')[1]);
  });

  it('lists every source, detector, forecaster, goal, action and handler with a description, a JSON Schema and an example', async () => {
    await using api = await startApi();
    const r = await api.call('GET', '/api/v1/registry', 'viewer');
    expect(r.status).toBe(200);
    expect(Object.keys(r.json).sort()).toEqual(['actions', 'detectors', 'forecasters', 'goals', 'handlers', 'sources']);
    const kinds = (section: string) => r.json[section].map((e: { kind: string }) => e.kind).sort();
    expect(kinds('goals')).toEqual(['autoscale', 'quality']);
    expect(kinds('handlers')).toEqual(['enrich', 'pass', 'sink', 'strict-validation', 'validate']);
    expect(kinds('detectors')).toEqual(['ewma', 'ks', 'psi', 'records', 'robust-z']);
    expect(kinds('forecasters')).toEqual(['damped-trend', 'holt-winters', 'linear-trend', 'naive', 'profile-daily', 'profile-weekly', 'seasonal-naive', 'seasonal-naive-weekly', 'theta']);
    expect(kinds('sources')).toEqual(expect.arrayContaining(['bullmq', 'records', 'system']));
    for (const [section, entries] of Object.entries(r.json as Record<string, { kind: string; description: string; configSchema: { type?: string }; example: unknown }[]>)) {
      for (const e of entries) {
        expect(e.description, `${section} ${e.kind}`).not.toBe('');
        expect(e.configSchema.type, `${section} ${e.kind}`).toBe('object');
        expect(e.example, `${section} ${e.kind}`).not.toBeNull();
      }
    }
  });
});
