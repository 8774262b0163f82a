import { AwoError, deadLetterSchema, runScript, STREAMS } from '@awo/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../context.js';
import { errorResponses, notFound } from '../errors.js';
import { page, pageQuery, streamId } from '../schemas.js';
import { entryById, streamPage } from '../stream-page.js';
import { writeLimit } from './write-limit.js';

const LUA_DIR = new URL('../lua/', import.meta.url);
/** How long the mark that a dead letter was replayed is kept. */
const REPLAY_MARK_MS = 7 * 86_400_000;
/** What `rawFields` appends to a value it cut: such an entry cannot be replayed as it was. */
const CUT = /…\(\d+ chars\)$/;

const item = z.strictObject({ entryId: z.string(), deadLetter: deadLetterSchema, replayedAs: z.string().nullable().describe('the stream id it was replayed as, once replayed') });

export const deadLetterRoutes =
  (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const { pageSize, scanLimit } = deps.config.api;
    const key = deps.keys.stream('deadletter');
    /** The streams a dead letter may be replayed to: awo's own, never an arbitrary key named in the entry. */
    const replayable = new Map(STREAMS.filter((s) => s !== 'deadletter').map((s) => [deps.keys.stream(s), s]));
    const marks = async (ids: string[]) => (ids.length === 0 ? [] : await deps.redis.mget(...ids.map((id) => deps.keys.deadletterReplayed(id))));

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
      async (req) => {
        const { stream, cursor, limit } = req.query;
        const { items, nextCursor } = await streamPage(deps.redis, key, 'deadletter', { limit: limit ?? pageSize, ...(cursor ? { cursor } : {}), scanLimit, ...(stream ? { keep: (d) => d.stream === stream } : {}) });
        const replayed = await marks(items.map((e) => e.id));
        return { items: items.map((e, i) => ({ entryId: e.id, deadLetter: e.message, replayedAs: replayed[i] ?? null })), nextCursor };
      },
    );

    app.post(
      '/api/v1/dead-letters/:id/replay',
      {
        config: { role: 'operator', ...writeLimit(deps.config.api) },
        schema: {
          tags: ['dead letters'],
          summary: 'Adds a dead letter\'s entry back to the stream it came from, once (its consumers read it again)',
          params: z.strictObject({ id: streamId }),
          response: { 200: z.strictObject({ entryId: z.string(), stream: z.string(), replayedAs: z.string() }), ...errorResponses(400, 403, 404, 409, 429) },
        },
      },
      async (req) => {
        const id = req.params.id;
        const entry = await entryById(deps.redis, key, 'deadletter', id);
        if (!entry) throw notFound(`dead letter ${id} is not in the dead-letter stream (never written, trimmed, or not a valid dead letter)`);
        const d = entry.message;
        if (!replayable.has(d.stream)) throw new AwoError('AWO_API_CONFLICT', `dead letter ${id} came from "${d.stream}", which is not one of awo's streams under this prefix: not replayed`);
        const cut = Object.entries(d.raw).find(([, v]) => v.length > 8192 && CUT.test(v));
        if (cut) throw new AwoError('AWO_API_CONFLICT', `dead letter ${id} kept only part of its field "${cut[0]}": it cannot be replayed as it was`);
        const fields = Object.entries(d.raw).flat();
        if (fields.length === 0) throw new AwoError('AWO_API_CONFLICT', `dead letter ${id} kept no field of its entry: nothing to replay`);
        const [fresh, newId] = (await runScript(deps.redis, 'dl-replay-2', [deps.keys.deadletterReplayed(id), d.stream], [REPLAY_MARK_MS, deps.config.bus.maxLen, ...fields], LUA_DIR)) as [number, string];
        if (fresh !== 1) throw new AwoError('AWO_API_CONFLICT', `dead letter ${id} was already replayed as ${newId}`);
        deps.log.info({ principal: req.principal?.name, deadLetter: id, stream: d.stream, replayedAs: newId }, 'dead letter replayed');
        return { entryId: id, stream: d.stream, replayedAs: newId };
      },
    );
  };
