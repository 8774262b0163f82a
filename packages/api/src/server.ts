import type { AddressInfo } from 'node:net';
import fastifySwagger from '@fastify/swagger';
import rateLimit from '@fastify/rate-limit';
import { Agent, counter, gauge, errorMessage } from '@awo/shared';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { consoleRoutes } from '@awo/console';
import { installAuth, Tokens } from './auth.js';
import type { ApiDeps } from './context.js';
import { docsPage } from './docs.js';
import { body, installErrorHandler } from './errors.js';
import { EventHub } from './events.js';
import { RecordIntake } from './intake.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { metaRoutes } from './routes/meta.js';
import { observeRoutes } from './routes/observe.js';
import { planRoutes } from './routes/plan.js';
import { steerRoutes } from './routes/steer.js';
import { workflowRoutes } from './routes/workflow.js';

/** Routes a caller adds beside the built-in ones (e.g. the console's page), registered before the server listens. */
export type ApiPlugin = (app: FastifyInstance, deps: ApiDeps) => Promise<void>;

export interface ApiOptions {
  /** Where to listen; default `api.host`:`api.port` of the config. */
  host?: string;
  port?: number;
  plugins?: readonly ApiPlugin[];
}

/** Largest request body: enough for api.maxRecords records of workflow.maxRecordBytes, at most 64 MiB. */
function bodyLimit(deps: ApiDeps): number {
  return Math.min(64 * 1024 * 1024, Math.max(1024 * 1024, deps.config.api.maxRecords * deps.config.workflow.maxRecordBytes));
}

/**
 * `awo api`: the HTTP API on fastify. Bearer tokens by role (viewer reads, operator writes),
 * writes rate-limited per token, every route's params, query, body and answer checked by its zod
 * schema, OpenAPI 3.1 from those schemas at `/openapi.json` and a docs page at `/docs`. Every
 * value read from Redis is validated before it is served. Runs as an agent (`api`) so `awo up`
 * starts, supervises and drains it with the others.
 */
export class ApiServer extends Agent {
  readonly app: FastifyInstance;
  readonly #hub: EventHub;
  readonly #intake: RecordIntake;
  readonly #tokens: Tokens;
  readonly #requests = new Map<string, number>();
  #port: number | undefined;

  constructor(
    private readonly deps: ApiDeps,
    private readonly options: ApiOptions = {},
  ) {
    super('api');
    this.#tokens = new Tokens(deps.config.api);
    this.#hub = new EventHub(deps);
    this.#intake = new RecordIntake(deps);
    // Fastify's own request logging is off: each request is logged once below, by route
    // pattern, status and principal name, never its headers (the token) or query.
    this.app = Fastify({ loggerInstance: deps.log as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), bodyLimit: bodyLimit(deps), return503OnClosing: true, forceCloseConnections: true });
    this.app.setValidatorCompiler(validatorCompiler);
    this.app.setSerializerCompiler(serializerCompiler);
    deps.metrics.live({
      awo_api_requests_total: counter('API requests answered, by method, route pattern and status', ['method', 'route', 'status'], () =>
        [...this.#requests].map(([k, n]) => {
          const [method = '', route = '', status = ''] = k.split(' ');
          return [{ method, route, status }, n] as const;
        }),
      ),
      awo_api_events_clients: gauge('Clients of the events stream', () => this.#hub.clients),
      awo_api_events_dropped_total: counter('Events-stream clients dropped because they fell api.events.maxBuffered events behind, or refused because the stream was full', ['reason'], () => [[{ reason: 'slow' }, this.#hub.counts.dropped] as const, [{ reason: 'full' }, this.#hub.counts.refused] as const]),
    });
  }

  /** The port it listens on (after start). */
  get port(): number {
    if (this.#port === undefined) throw new Error('the API is not listening');
    return this.#port;
  }

  protected async onStart(): Promise<void> {
    const app = this.app;
    const { deps } = this;
    if (this.#tokens.size === 0) deps.log.warn({ api: true }, 'no API token is configured (api.tokens, AWO_API_TOKEN): every /api/v1 request will be refused with 401');
    installErrorHandler(app, deps.log);
    installAuth(app, this.#tokens);
    app.addHook('onResponse', async (req, reply) => {
      const route = req.routeOptions.url ?? 'unmatched';
      const key = `${req.method} ${route} ${reply.statusCode}`;
      // Route patterns, methods and statuses are few: this map stays small.
      if (this.#requests.size < 1000 || this.#requests.has(key)) this.#requests.set(key, (this.#requests.get(key) ?? 0) + 1);
      deps.log.debug({ method: req.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime), principal: req.principal?.name }, 'api request');
    });
    app.addHook('onRoute', (route) => {
      const role = route.config?.role;
      if (!route.schema || route.schema.hide) return;
      route.schema.description = role ? `Needs a bearer token with the role ${role}${route.method !== 'GET' ? '; rate-limited (api.rateLimit)' : ''}.` : 'Public.';
      route.schema.security = role ? [{ bearer: [] }] : [];
    });
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: 'awo API', version: '1', description: 'See and steer awo: the plan and its revisions, series and forecasts, insights, actions, traces, records and their runs, dead letters, what awo can do, and live events.' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a token of api.tokens (its value from tokenEnv) or AWO_API_TOKEN' } } },
      },
      transform: jsonSchemaTransform,
      transformObject: jsonSchemaTransformObject,
    });
    await app.register(rateLimit, {
      global: false,
      keyGenerator: (req) => `token:${req.principal?.name ?? req.ip}`,
      errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, ...body('AWO_API_RATE_LIMITED', `more than ${ctx.max} writes in ${ctx.after}'s window for this token (api.rateLimit); retry in ${ctx.after}`) }),
    });
    // One limiter for every write route: a token's writes share one budget (api.rateLimit).
    const writes = app.rateLimit({ max: deps.config.api.rateLimit.max, timeWindow: deps.config.api.rateLimit.window });
    const typed = app.withTypeProvider<ZodTypeProvider>();
    await typed.register(planRoutes(deps));
    await typed.register(observeRoutes(deps));
    await typed.register(workflowRoutes(deps, this.#intake, writes));
    await typed.register(deadLetterRoutes(deps, writes));
    await typed.register(steerRoutes(deps, writes));
    await typed.register(metaRoutes(deps, this.#hub));
    // The console: its page at / and the goals it draws (packages/console).
    await consoleRoutes(app, deps);
    for (const plugin of this.options.plugins ?? []) await plugin(app, deps);
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    app.get('/docs', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(docsPage(app.swagger() as unknown as Parameters<typeof docsPage>[0])));
    await app.listen({ host: this.options.host ?? deps.config.api.host, port: this.options.port ?? deps.config.api.port });
    this.#port = (app.server.address() as AddressInfo).port;
    deps.log.info({ api: `http://${this.options.host ?? deps.config.api.host}:${this.#port}`, docs: '/docs', tokens: this.#tokens.size }, 'API listening');
  }

  protected async onClose(): Promise<void> {
    const steps: [string, () => Promise<unknown>][] = [
      ['events', () => this.#hub.close()],
      ['http', () => this.app.close()],
      ['intake', () => this.#intake.close()],
    ];
    for (const [step, fn] of steps) await fn().catch((err: unknown) => this.deps.log.error({ step, err: errorMessage(err) }, 'closing the API failed at a step'));
  }

  protected override detail(): Record<string, unknown> {
    return { port: this.#port, eventClients: this.#hub.clients };
  }
}
