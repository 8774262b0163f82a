import { actionResultSchema, actionSchema, compareIds, forecastInsightSchema, insightSchema, metricsStreams, partitionOf, readSpans, traceTree, type TraceLink, type TraceNode } from '@awo/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../context.js';
import { errorResponses, notFound } from '../errors.js';
import { page, pageQuery, streamId } from '../schemas.js';
import { findEntries, findEntry, streamPage } from '../stream-page.js';

const entryOf = <K extends string, T extends z.ZodType>(name: K, schema: T) => z.strictObject({ entryId: z.string().describe('its stream entry id'), traceId: z.string().optional() }).extend({ [name]: schema } as Record<K, T>);

const seriesSummary = z.strictObject({ name: z.string(), value: z.number(), unit: z.string().optional(), ts: z.number().int(), source: z.string(), points: z.number().int().describe('points among the newest scanned metrics') });
const point = z.strictObject({ id: z.string(), ts: z.number().int(), value: z.number() });
const forecast = z.strictObject({ id: z.string(), insightId: z.string(), ts: z.number().int(), model: z.string(), value: z.number(), lower: z.number(), upper: z.number(), horizonMs: z.number(), observed: z.number(), error: z.number().optional() });

const attrs = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
// Recursive schemas carry ids, so OpenAPI refers to them by name (components.schemas) instead of inlining forever.
const traceLink: z.ZodType<TraceLink> = z.lazy(() => z.strictObject({ traceId: z.string(), spanId: z.string(), target: z.strictObject({ service: z.string(), name: z.string(), traceId: z.string(), attributes: attrs }).optional(), links: z.array(traceLink) }));
traceLink.register(z.globalRegistry, { id: 'TraceLink' });
const traceNode: z.ZodType<TraceNode> = z.lazy(() =>
  z.strictObject({ spanId: z.string(), service: z.string(), name: z.string(), kind: z.string(), startMs: z.number(), durationMs: z.number(), status: z.enum(['unset', 'ok', 'error']), error: z.string().optional(), attributes: attrs, links: z.array(traceLink), children: z.array(traceNode) }),
);
traceNode.register(z.globalRegistry, { id: 'TraceNode' });

const actionDetail = z.strictObject({
  id: z.string(),
  action: actionSchema.nullable().describe('the action as enqueued (null when no longer kept in the actions stream)'),
  results: z.array(entryOf('result', actionResultSchema)).describe('every result published for it, oldest first'),
  ok: z.boolean().nullable().describe('the newest result (null: no result yet)'),
  attempts: z.number().int(),
  durationMs: z.number().describe('the newest result\'s duration (of its last attempt)'),
  traceId: z.string().optional(),
});

export const observeRoutes =
  (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const { pageSize, scanLimit } = deps.config.api;
    const key = deps.keys.stream;

    app.get(
      '/api/v1/series',
      { config: { role: 'viewer' }, schema: { tags: ['series'], summary: 'The series among the newest metrics (api.scanLimit), by name, with their newest value', querystring: pageQuery(), response: { 200: page(seriesSummary), ...errorResponses(400) } } },
      async (req) => {
        // Partitioned metrics: the newest of every partition, the scan bound shared between them.
        const streams = metricsStreams(deps.keys, deps.config.bus.partitions);
        const each = Math.max(1, Math.ceil(scanLimit / streams.length));
        const items = (await Promise.all(streams.map((s) => streamPage(deps.redis, s, 'metrics', { limit: each, scanLimit: each })))).flatMap((p) => p.items).sort((a, b) => compareIds(b.id, a.id));
        const by = new Map<string, z.infer<typeof seriesSummary>>();
        for (const { message: m } of items) {
          const s = by.get(m.series);
          if (s) s.points++;
          else by.set(m.series, { name: m.series, value: m.value, ...(m.unit ? { unit: m.unit } : {}), ts: m.ts, source: m.source, points: 1 });
        }
        const names = [...by.keys()].sort().filter((n) => !req.query.cursor || n > req.query.cursor);
        const limit = req.query.limit ?? pageSize;
        const list = names.slice(0, limit).map((n) => by.get(n) as z.infer<typeof seriesSummary>);
        return { items: list, nextCursor: names.length > limit ? (list.at(-1)?.name ?? null) : null };
      },
    );

    app.get(
      '/api/v1/series/:name',
      {
        config: { role: 'viewer' },
        schema: {
          tags: ['series'],
          summary: 'A series: its recent points (oldest first) and its latest forecast with the interval',
          params: z.strictObject({ name: z.string().min(1).max(256) }),
          querystring: z.strictObject({ points: z.coerce.number().int().min(1).max(10_000).default(300) }),
          response: { 200: z.strictObject({ name: z.string(), points: z.array(point), forecast: forecast.nullable() }), ...errorResponses(400, 404) },
        },
      },
      async (req) => {
        const name = req.params.name;
        const P = deps.config.bus.partitions;
        const points = await findEntries(deps.redis, P > 1 ? deps.keys.metricsPartition(partitionOf(name, P), P) : key('metrics'), 'metrics', (m) => m.series === name, scanLimit, req.query.points);
        const f = await findEntry(deps.redis, key('insights'), 'insights', (i) => i.kind === 'forecast' && i.series === name, scanLimit);
        if (points.length === 0 && !f) throw notFound(`series "${name}" has no point among the newest ${scanLimit} metrics and no forecast among the newest ${scanLimit} insights`);
        const fc = f && f.message.kind === 'forecast' ? forecastInsightSchema.parse(f.message) : undefined;
        return {
          name,
          points: points.map((p) => ({ id: p.id, ts: p.message.ts, value: p.message.value })).reverse(),
          forecast: fc && f ? { id: f.id, insightId: fc.id, ts: fc.ts, model: fc.model, value: fc.value, lower: fc.lower, upper: fc.upper, horizonMs: fc.horizonMs, observed: fc.observed, ...(fc.error !== undefined ? { error: fc.error } : {}) } : null,
        };
      },
    );

    app.get(
      '/api/v1/insights',
      {
        config: { role: 'viewer' },
        schema: {
          tags: ['insights'],
          summary: 'Insights (forecasts, anomalies, data-quality findings), newest first',
          querystring: pageQuery().extend({ cursor: streamId.optional(), kind: z.enum(['forecast', 'anomaly', 'data-quality']).optional(), series: z.string().max(256).optional() }),
          response: { 200: page(entryOf('insight', insightSchema)), ...errorResponses(400) },
        },
      },
      async (req) => {
        const { kind, series, cursor, limit } = req.query;
        const keep = kind || series ? (i: z.infer<typeof insightSchema>) => (!kind || i.kind === kind) && (!series || i.series === series) : undefined;
        const { items, nextCursor } = await streamPage(deps.redis, key('insights'), 'insights', { limit: limit ?? pageSize, ...(cursor ? { cursor } : {}), scanLimit, ...(keep ? { keep } : {}) });
        return { items: items.map((e) => ({ entryId: e.id, ...(e.traceId ? { traceId: e.traceId } : {}), insight: e.message })), nextCursor };
      },
    );

    app.get(
      '/api/v1/actions',
      {
        config: { role: 'viewer' },
        schema: {
          tags: ['actions'],
          summary: 'Actions the executor enqueued, newest first, each with its newest result when one is kept',
          querystring: pageQuery().extend({ cursor: streamId.optional() }),
          response: { 200: page(z.strictObject({ entryId: z.string(), action: actionSchema, result: actionResultSchema.nullable(), traceId: z.string().optional() })), ...errorResponses(400) },
        },
      },
      async (req) => {
        const { items, nextCursor } = await streamPage(deps.redis, key('actions'), 'actions', { limit: req.query.limit ?? pageSize, ...(req.query.cursor ? { cursor: req.query.cursor } : {}), scanLimit });
        const wanted = new Set(items.map((e) => e.message.id));
        const results = await findEntries(deps.redis, key('results'), 'results', (r) => wanted.has(r.id), scanLimit, scanLimit);
        const newest = new Map<string, z.infer<typeof actionResultSchema>>();
        for (const r of results) if (!newest.has(r.message.id)) newest.set(r.message.id, r.message);
        return { items: items.map((e) => ({ entryId: e.id, action: e.message, result: newest.get(e.message.id) ?? null, ...(e.traceId ? { traceId: e.traceId } : {}) })), nextCursor };
      },
    );

    app.get(
      '/api/v1/actions/:id',
      {
        config: { role: 'viewer' },
        schema: { tags: ['actions'], summary: 'One action: what it set, its results, attempts, duration and outcome', params: z.strictObject({ id: z.string().min(1).max(200) }), response: { 200: actionDetail, ...errorResponses(400, 404) } },
      },
      async (req) => {
        const id = req.params.id;
        const action = await findEntry(deps.redis, key('actions'), 'actions', (a) => a.id === id, scanLimit);
        const results = (await findEntries(deps.redis, key('results'), 'results', (r) => r.id === id, scanLimit, 100)).reverse();
        if (!action && results.length === 0) throw notFound(`action "${id}" is not among the newest ${scanLimit} actions or results`);
        const last = results.at(-1);
        const traceId = action?.traceId ?? last?.traceId;
        return {
          id,
          action: action?.message ?? null,
          results: results.map((r) => ({ entryId: r.id, ...(r.traceId ? { traceId: r.traceId } : {}), result: r.message })),
          ok: last ? last.message.ok : null,
          attempts: last?.message.attempts ?? 0,
          durationMs: last?.message.durationMs ?? 0,
          ...(traceId ? { traceId } : {}),
        };
      },
    );

    app.get(
      '/api/v1/traces/:traceId',
      {
        config: { role: 'viewer' },
        schema: {
          tags: ['traces'],
          summary: 'A trace as the tree `awo trace` prints: spans under their parents, links followed',
          params: z.strictObject({ traceId: z.string().regex(/^[0-9a-f]{32}$/, 'expected a trace id of 32 lowercase hex digits') }),
          response: { 200: z.strictObject({ traceId: z.string(), spans: z.number().int(), services: z.array(z.string()), roots: z.array(traceNode) }), ...errorResponses(400, 404) },
        },
      },
      async (req) => {
        const spans = await readSpans(deps.redis, deps.keys.spans, deps.config.telemetry.spanStore.maxLen);
        const tree = traceTree(req.params.traceId, spans);
        if (!tree) throw notFound(`trace ${req.params.traceId}: no span kept (the span store keeps the newest ${deps.config.telemetry.spanStore.maxLen})`);
        return tree;
      },
    );
  };
