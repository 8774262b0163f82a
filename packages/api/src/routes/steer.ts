import { decisionRequestSchema, overrideRequestSchema, overrideSchema, proposalSchema, reloadResponseSchema, rollbackRequestSchema, rollbackSchema, Steering, steeringIdSchema } from '@awo/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../context.js';
import { errorResponses } from '../errors.js';
import { page, pageQuery } from '../schemas.js';
import type { WriteLimit } from './write-limit.js';

/** A page of a list kept newest first, from just after the item whose id is `cursor`. */
function pageOf<T extends { id: string }>(all: T[], limit: number, cursor?: string): { items: T[]; nextCursor: string | null } {
  const start = cursor ? all.findIndex((x) => x.id === cursor) + 1 : 0;
  const items = start < 0 ? [] : all.slice(start, start + limit);
  return { items, nextCursor: start + limit < all.length && items.length > 0 ? (items.at(-1)?.id ?? null) : null };
}

/**
 * Steering: overrides, rollback, proposals and config reload. The API never writes the plan:
 * `Steering` keeps each request and wakes the leading planner, which writes the signed revision.
 * Writes need an operator token and share the write rate limit.
 */
export const steerRoutes =
  (deps: ApiDeps, writes: WriteLimit): FastifyPluginAsyncZod =>
  async (app) => {
    const steering = new Steering(deps.redis, deps.keys, deps.config);
    const { pageSize } = deps.config.api;
    const idParams = z.strictObject({ id: steeringIdSchema });
    const write = { config: { role: 'operator' as const }, onRequest: writes };

    app.get(
      '/api/v1/plan/overrides',
      { config: { role: 'viewer' }, schema: { tags: ['steering'], summary: 'Overrides kept (live and finished), newest request first', querystring: pageQuery(), response: { 200: page(overrideSchema), ...errorResponses(400) } } },
      async (req) => pageOf(await steering.overrides(), req.query.limit ?? pageSize, req.query.cursor),
    );

    app.post(
      '/api/v1/plan/overrides',
      {
        ...write,
        schema: {
          tags: ['steering'],
          summary: 'Pins a step parameter to a value until a time (or a duration from now) or until removed; the leading planner writes the signed revision and keeps the pin',
          body: overrideRequestSchema,
          response: { 202: overrideSchema, ...errorResponses(400, 403, 409, 429, 503) },
        },
      },
      async (req, reply) => {
        const override = await steering.pin(req.body, req.principal?.name);
        deps.log.info({ principal: req.principal?.name, override: override.id, step: override.step, param: override.param }, 'override requested');
        return reply.code(202).send(override);
      },
    );

    app.delete(
      '/api/v1/plan/overrides/:id',
      { ...write, schema: { tags: ['steering'], summary: 'Removes an override; the leading planner writes the revision that lets goals decide again', params: idParams, response: { 202: overrideSchema, ...errorResponses(400, 403, 404, 409, 429, 503) } } },
      async (req, reply) => reply.code(202).send(await steering.unpin(req.params.id, req.principal?.name)),
    );

    app.post(
      '/api/v1/plan/rollback',
      {
        ...write,
        schema: { tags: ['steering'], summary: 'Asks for a revision whose steps equal version toVersion\'s (0: the config\'s plan); the leading planner writes it, signed', body: rollbackRequestSchema, response: { 202: rollbackSchema, ...errorResponses(400, 403, 404, 409, 429, 503) } },
      },
      async (req, reply) => reply.code(202).send(await steering.rollback(req.body, req.principal?.name)),
    );

    app.get(
      '/api/v1/proposals',
      { config: { role: 'viewer' }, schema: { tags: ['steering'], summary: 'Proposals of goals with mode: propose (open, decided, expired), newest first', querystring: pageQuery(), response: { 200: page(proposalSchema), ...errorResponses(400) } } },
      async (req) => pageOf(await steering.proposals(), req.query.limit ?? pageSize, req.query.cursor),
    );

    for (const decision of ['approve', 'reject'] as const) {
      app.post(
        `/api/v1/proposals/:id/${decision}`,
        {
          ...write,
          schema: {
            tags: ['steering'],
            summary: decision === 'approve' ? 'Approves an open proposal: the leading planner commits it as a signed revision' : 'Rejects an open proposal: recorded; the plan stays as it is',
            params: idParams,
            body: decisionRequestSchema.nullish().describe('optional: { "reason": "…" }'),
            response: { 200: proposalSchema, ...errorResponses(400, 403, 404, 409, 429, 503) },
          },
        },
        async (req) => (decision === 'approve' ? steering.approve(req.params.id, req.principal?.name, req.body ?? {}) : steering.reject(req.params.id, req.principal?.name, req.body ?? {})),
      );
    }

    app.post(
      '/api/v1/config/reload',
      { ...write, schema: { tags: ['steering'], summary: 'Asks every awo process to re-read its config file (as SIGHUP does); an invalid file is refused there and the old config stays', response: { 202: reloadResponseSchema, ...errorResponses(403, 429, 503) } } },
      async (req, reply) => reply.code(202).send(await steering.requestReload(req.principal?.name)),
    );
  };
