import { AwoError, registry } from '@awo/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../context.js';
import { errorResponses } from '../errors.js';
import { EVENT_TYPES, type EventHub, type EventType } from '../events.js';

const entry = z.strictObject({ kind: z.string(), description: z.string(), configSchema: z.record(z.string(), z.unknown()).describe('JSON Schema of its config, as the config file takes it'), example: z.unknown() });

/** The registry and the events stream. */
export const metaRoutes =
  (deps: ApiDeps, hub: EventHub): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/v1/registry',
      {
        config: { role: 'viewer' },
        schema: {
          tags: ['registry'],
          summary: 'Everything awo can do: every source, detector, forecaster, goal kind, action kind and step handler, with a description, its config schema and an example',
          response: { 200: z.strictObject({ sources: z.array(entry), detectors: z.array(entry), forecasters: z.array(entry), goals: z.array(entry), actions: z.array(entry), handlers: z.array(entry) }), ...errorResponses() },
        },
      },
      async () => registry(),
    );

    app.get(
      '/api/v1/events',
      {
        config: { role: 'viewer' },
        schema: {
          tags: ['events'],
          summary: `Server-sent events (text/event-stream): ${EVENT_TYPES.join(', ')}; each \`data\` is JSON with the entry id and the message; a heartbeat comment every api.events.heartbeat`,
          querystring: z.strictObject({ types: z.string().regex(new RegExp(`^(${EVENT_TYPES.join('|')})(,(${EVENT_TYPES.join('|')}))*$`), `expected a comma-separated list of ${EVENT_TYPES.join(', ')}`).optional() }),
          response: { 200: z.string().describe('text/event-stream'), ...errorResponses(400, 503) },
        },
      },
      async (req, reply) => {
        const types = new Set((req.query.types?.split(',') ?? EVENT_TYPES) as EventType[]);
        // The hub writes the stream itself; fastify no longer sends this reply.
        reply.hijack();
        const taken = await hub.add(reply.raw, types).catch((err: unknown) => {
          deps.log.warn({ err: (err as Error).message }, 'events stream could not start');
          return false;
        });
        if (!taken) {
          const err = new AwoError('AWO_API_UNAVAILABLE', `the events stream has its ${deps.config.api.events.maxClients} clients (api.events.maxClients), or cannot read Redis now; retry later`);
          reply.raw.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '5' }).end(JSON.stringify({ error: { code: err.code, message: err.message } }));
        }
      },
    );
  };
