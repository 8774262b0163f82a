import { deadLetterSchema } from '@awo/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../context.js';
import { DeadLetters } from '../dead-letters.js';
import { errorResponses } from '../errors.js';
import { page, pageQuery, streamId } from '../schemas.js';
import type { WriteLimit } from './write-limit.js';

const item = z.strictObject({ entryId: z.string(), deadLetter: deadLetterSchema, replayedAs: z.string().nullable().describe('the stream id it was replayed as, once replayed') });

export const deadLetterRoutes =
  (deps: ApiDeps, writes: WriteLimit): FastifyPluginAsyncZod =>
  async (app) => {
    const { pageSize, scanLimit } = deps.config.api;
    const deadLetters = new DeadLetters(deps.redis, deps.keys, deps.config.bus.maxLen);

    app.get(
      '/api/v1/dead-letters',
      {
        config: { role: 'viewer' },
        schema: {
          tags: ['dead letters'],
          summary: 'Entries that failed their schema, clock or handler, with the reason, newest first',
          querystring: pageQuery().extend({ cursor: streamId.optional(), stream: z.string().max(256).optional().describe('only those read from this stream key') }),
          response: { 200: page(item), ...errorResponses(400) },
        },
      },
      async (req) => deadLetters.list({ limit: req.query.limit ?? pageSize, scanLimit, ...(req.query.cursor ? { cursor: req.query.cursor } : {}), ...(req.query.stream ? { stream: req.query.stream } : {}) }),
    );

    app.post(
      '/api/v1/dead-letters/:id/replay',
      {
        config: { role: 'operator' },
        onRequest: writes,
        schema: {
          tags: ['dead letters'],
          summary: 'Adds a dead letter\'s entry back to the stream it came from, once (its consumers read it again)',
          params: z.strictObject({ id: streamId }),
          response: { 200: z.strictObject({ entryId: z.string(), stream: z.string(), replayedAs: z.string() }), ...errorResponses(400, 403, 404, 409, 429) },
        },
      },
      async (req) => {
        const replayed = await deadLetters.replay(req.params.id);
        deps.log.info({ principal: req.principal?.name, deadLetter: replayed.entryId, stream: replayed.stream, replayedAs: replayed.replayedAs }, 'dead letter replayed');
        return replayed;
      },
    );
  };
