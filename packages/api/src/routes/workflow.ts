import { RunLog, runSchema, stepStatsSchema } from '@awo/workflow';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../context.js';
import { errorResponses, notFound } from '../errors.js';
import type { RecordIntake } from '../intake.js';
import { pageQuery } from '../schemas.js';
import type { WriteLimit } from './write-limit.js';

export const workflowRoutes =
  (deps: ApiDeps, intake: RecordIntake, writes: WriteLimit): FastifyPluginAsyncZod =>
  async (app) => {
    const runs = new RunLog(deps.redis, deps.keys, deps.config.workflow.runs);
    const { pageSize, maxRecords } = deps.config.api;

    app.post(
      '/api/v1/workflows/:name/records',
      {
        config: { role: 'operator' },
        onRequest: writes,
        schema: {
          tags: ['workflow'],
          summary: 'Adds records to the workflow at its entry steps; idempotent by the schema\'s key (workflow.schema.key)',
          params: z.strictObject({ name: z.string().min(1).max(100) }),
          body: z.strictObject({ records: z.array(z.record(z.string(), z.unknown())).min(1).max(maxRecords) }),
          response: {
            202: z.strictObject({
              workflow: z.string(),
              idempotent: z.boolean().describe('false when the workflow\'s schema names no key (each record then gets a new id)'),
              accepted: z.number().int(),
              duplicates: z.number().int(),
              records: z.array(z.strictObject({ id: z.string(), duplicate: z.boolean() })),
            }),
            ...errorResponses(400, 403, 404, 409, 429),
          },
        },
      },
      async (req, reply) => {
        const name = deps.config.workflow.name;
        if (req.params.name !== name) throw notFound(`no workflow "${req.params.name}" (this awo runs "${name}", workflow.name)`);
        const records = await intake.submit(req.body.records);
        const duplicates = records.filter((r) => r.duplicate).length;
        deps.log.info({ principal: req.principal?.name, workflow: name, accepted: records.length - duplicates, duplicates }, 'records posted');
        return reply.code(202).send({ workflow: name, idempotent: intake.idempotent, accepted: records.length - duplicates, duplicates, records });
      },
    );

    app.get(
      '/api/v1/runs',
      {
        config: { role: 'viewer' },
        schema: {
          tags: ['workflow'],
          summary: 'Runs of records (each record\'s journey), newest first, and what each step costs (latency, worker seconds)',
          querystring: pageQuery().extend({ cursor: z.string().regex(/^\d+(\.\d+)?:.+$/, 'expected the nextCursor of the previous page').max(512).optional() }),
          response: { 200: z.strictObject({ items: z.array(runSchema), nextCursor: z.string().nullable(), steps: z.array(stepStatsSchema), trimmed: z.number().int().describe('runs dropped by workflow.runs.maxCount / maxAge so far') }), ...errorResponses(400) },
        },
      },
      async (req) => {
        const list = await runs.list(req.query.limit ?? pageSize, req.query.cursor);
        const stats = await runs.stats();
        return { ...list, steps: stats.steps, trimmed: stats.trimmed };
      },
    );

    app.get(
      '/api/v1/runs/:id',
      { config: { role: 'viewer' }, schema: { tags: ['workflow'], summary: 'One record\'s run: its route and plan version, each step\'s attempts with start, end and outcome', params: z.strictObject({ id: z.string().min(1).max(256) }), response: { 200: runSchema, ...errorResponses(400, 404) } } },
      async (req) => {
        const run = await runs.get(req.params.id);
        if (!run) throw notFound(`run "${req.params.id}" is not kept (never recorded, or past workflow.runs.maxCount / maxAge)`);
        return run;
      },
    );
  };
