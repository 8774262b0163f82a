import { changeSchema, describeChange, explainRevision, parseStored, planRevisionSchema, planSchema, PlanStore, type PlanRevision } from '@awo/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../context.js';
import { errorResponses, notFound } from '../errors.js';
import { page, pageQuery, streamId } from '../schemas.js';
import { streamPage } from '../stream-page.js';

/** A revision as listed: what changed, why, by whom, when; whether it is signed. */
export const revisionSummarySchema = z.strictObject({
  id: z.string().describe('its entry id in the revisions stream'),
  version: z.number().int(),
  parentVersion: z.number().int(),
  goal: z.string(),
  reason: z.string(),
  changes: z.array(changeSchema),
  /** Each change in words, e.g. `work.concurrency 2 → 5`. */
  diff: z.array(z.string()),
  insightIds: z.array(z.string()),
  at: z.number().int(),
  leader: z.string(),
  traceId: z.string().optional(),
  signed: z.boolean(),
});

function summary(id: string, r: PlanRevision): z.infer<typeof revisionSummarySchema> {
  return { id, version: r.version, parentVersion: r.parentVersion, goal: r.goal, reason: r.reason, changes: r.changes, diff: r.changes.map(describeChange), insightIds: r.insightIds, at: r.at, leader: r.leader, ...(r.trace ? { traceId: r.trace.traceId } : {}), signed: r.sig !== undefined };
}

const foundSchema = z.strictObject({ id: z.string(), message: z.record(z.string(), z.unknown()), traceId: z.string().optional() });

export const planRoutes =
  (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const store = new PlanStore(deps.redis, deps.keys, deps.config);
    const { pageSize, scanLimit } = deps.config.api;

    app.get(
      '/api/v1/plan',
      {
        config: { role: 'viewer' },
        schema: {
          tags: ['plan'],
          summary: 'The current plan: its version, steps and parameters, and the revision that made it',
          response: { 200: z.strictObject({ plan: planSchema, revision: revisionSummarySchema.omit({ id: true }).nullable() }), ...errorResponses() },
        },
      },
      async () => {
        const stored = await store.stored();
        if (!stored) return { plan: await store.current(), revision: null };
        const { plan, revision } = parseStored(stored);
        return { plan, revision: revision ? (({ id: _id, ...rest }) => rest)(summary('', revision)) : null };
      },
    );

    app.get(
      '/api/v1/plan/revisions',
      {
        config: { role: 'viewer' },
        schema: { tags: ['plan'], summary: 'The revisions of the plan, newest first', querystring: pageQuery().extend({ cursor: streamId.optional() }), response: { 200: page(revisionSummarySchema), ...errorResponses(400) } },
      },
      async (req) => {
        const { items, nextCursor } = await streamPage(deps.redis, deps.keys.stream('revisions'), 'revisions', { limit: req.query.limit ?? pageSize, ...(req.query.cursor ? { cursor: req.query.cursor } : {}), scanLimit });
        return { items: items.map((e) => summary(e.id, e.message)), nextCursor };
      },
    );

    app.get(
      '/api/v1/plan/revisions/:version',
      {
        config: { role: 'viewer' },
        schema: {
          tags: ['plan'],
          summary: 'One revision with its diff and why it was written (the text of `awo explain`)',
          params: z.strictObject({ version: z.coerce.number().int().min(1) }),
          response: {
            200: z.strictObject({
              id: z.string(),
              revision: planRevisionSchema,
              diff: z.array(z.string()),
              explain: z.strictObject({ text: z.array(z.string()), insights: z.array(foundSchema), metrics: z.array(foundSchema) }),
            }),
            ...errorResponses(400, 404),
          },
        },
      },
      async (req) => {
        const stored = await store.revision(req.params.version);
        if (!stored) throw notFound(`plan version ${req.params.version} is not in the revisions stream (never written, or trimmed)`);
        const e = await explainRevision(deps.redis, deps.keys, stored.revision, scanLimit, deps.config.bus.partitions);
        return { id: stored.id, revision: stored.revision, diff: stored.revision.changes.map(describeChange), explain: { text: e.text, insights: e.insights, metrics: e.metrics } };
      },
    );
  };
