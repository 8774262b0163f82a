import type { Config } from '@awo/shared';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { consoleFile, loadConsoleAssets, type ConsoleAssets } from './assets.js';

declare module 'fastify' {
  interface FastifySchema {
    /** Left out of the OpenAPI document (as @fastify/swagger reads it). */
    hide?: boolean;
  }
}

/** A goal as the console shows it: what it keeps, where it acts, and the series it reads. */
export const goalViewSchema = z.strictObject({
  kind: z.string(),
  name: z.string(),
  /** `apply` writes revisions; `propose` writes proposals an operator approves. */
  mode: z.string(),
  step: z.string().optional(),
  param: z.string().optional(),
  metric: z.string().optional(),
  target: z.number().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  arrivalSeries: z.string().optional(),
  activeSeries: z.string().optional(),
  backlogSeries: z.string().optional(),
  /** Data-quality series and their limits (quality goals). */
  limits: z.record(z.string(), z.number()).optional(),
});
export type GoalView = z.infer<typeof goalViewSchema>;

/** The config's goals as the console needs them (no secrets: names, series and targets). */
export function goalViews(config: Pick<Config, 'planner'>): GoalView[] {
  return config.planner.goals.map((g) => {
    const mode = (g as { mode?: string }).mode ?? 'apply';
    if (g.kind === 'autoscale') {
      return { kind: g.kind, name: g.name, mode, step: g.step, param: g.param, metric: g.metric, target: g.target, min: g.min, max: g.max, arrivalSeries: g.arrivalSeries, activeSeries: g.activeSeries, backlogSeries: g.backlogSeries };
    }
    return { kind: g.kind, name: g.name, mode, limits: { ...g.limits } };
  });
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>awo console</title></head><body>
<h1>awo console</h1><p>The console is not built. Build it with <code>npm run build</code> (or <code>npm run build -w @awo/console</code>) and restart <code>awo api</code>.</p>
<p>The API itself works: see <a href="/docs">/docs</a>.</p></body></html>`;

/**
 * The console's routes on the API's fastify server: the built page at `/` (and its hashed files
 * under `/assets/`), public like the docs page since it holds no data, and `GET /api/v1/goals`
 * (role viewer), the config's goals the page draws. `dir` defaults to the package's dist/web;
 * `config` is read for every request, so a reloaded config shows. The goals route's schema is zod:
 * the server needs fastify-type-provider-zod's compilers, as the API's has.
 */
export async function consoleRoutes(app: FastifyInstance, deps: { config: Pick<Config, 'planner'> }, options: { dir?: string } = {}): Promise<void> {
  const assets = await loadConsoleAssets(options.dir);
  if (!assets) app.log.warn({ console: 'not built' }, 'the console is not built (npm run build): / answers 503 until it is');
  const serve = (assets: ConsoleAssets | undefined) => async (req: FastifyRequest, reply: FastifyReply) => {
    if (!assets) return reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
    const file = consoleFile(assets, req.url);
    if (!file) return reply.code(404).type('text/plain; charset=utf-8').send(`not a file of the console: ${req.url.split('?')[0]}`);
    reply.headers(file.headers);
    if (req.headers['if-none-match'] === file.headers.etag) return reply.code(304).send();
    return reply.send(file.body);
  };
  const hide = { schema: { hide: true } };
  app.get('/', hide, serve(assets));
  app.get('/index.html', hide, serve(assets));
  app.get('/assets/*', hide, serve(assets));
  app.get(
    '/api/v1/goals',
    {
      config: { role: 'viewer' },
      schema: { tags: ['plan'], summary: "The config's goals: kind, name, mode, the step parameter each sets and the series it reads (what the console draws)", response: { 200: z.strictObject({ goals: z.array(goalViewSchema) }) } },
    },
    async () => ({ goals: goalViews(deps.config) }),
  );
}
