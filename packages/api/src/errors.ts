import { AwoError, errorMessage, type ErrorCode, type Logger } from '@awo/shared';
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** Every error answer: `{ error: { code, message, field?, issues? } }`. */
export const errorBodySchema = z
  .strictObject({
    error: z.strictObject({
      code: z.string().describe('a stable code from docs/errors.md, e.g. AWO_API_BAD_REQUEST'),
      message: z.string(),
      field: z.string().optional().describe('the first bad field, e.g. body.toVersion or query.limit'),
      issues: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
    }),
  });
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** The status each API error code answers with. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  AWO_API_UNAUTHORIZED: 401,
  AWO_API_FORBIDDEN: 403,
  AWO_API_BAD_REQUEST: 400,
  AWO_API_NOT_FOUND: 404,
  AWO_API_CONFLICT: 409,
  AWO_API_RATE_LIMITED: 429,
  AWO_API_UNAVAILABLE: 503,
  AWO_NOT_FOUND: 404,
  AWO_REQUEST_INVALID: 400,
  AWO_STEER_CONFLICT: 409,
  AWO_STEER_LIMIT: 409,
  AWO_CONFIG_INVALID: 400,
  AWO_MESSAGE_INVALID: 400,
  AWO_PLAN_CONFLICT: 409,
  AWO_NOT_LEADER: 503,
  AWO_REDIS_UNAVAILABLE: 503,
  AWO_TIMEOUT: 503,
};

/** The error answers of a route, for its schema (and so its OpenAPI operation). */
export function errorResponses(...statuses: (400 | 401 | 403 | 404 | 409 | 429 | 503)[]): Record<number, typeof errorBodySchema> {
  return Object.fromEntries([401, ...statuses].map((s) => [s, errorBodySchema.describe(DESCRIBED[s] ?? 'error')]));
}

const DESCRIBED: Record<number, string> = {
  400: 'a body, path or query field failed its schema (field names it)',
  401: 'no bearer token, or an unknown one',
  403: 'the token\'s role may not do this',
  404: 'not found (or no longer kept)',
  409: 'cannot be done in the current state',
  429: 'too many writes for this token (see retry-after)',
  503: 'cannot be served now',
};

export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

export function notFound(what: string): AwoError {
  return new AwoError('AWO_API_NOT_FOUND', what);
}

export function badRequest(field: string, message: string): AwoError {
  return new AwoError('AWO_API_BAD_REQUEST', `${field}: ${message}`, { details: { field, issues: [{ path: field, message }] } });
}

export function body(code: ErrorCode, message: string, extra: Partial<ErrorBody['error']> = {}): ErrorBody {
  return { error: { code, message, ...extra } };
}

/** `/a/0/b` of the request part `body` → `body.a[0].b`. */
function fieldPath(part: string, instancePath: string): string {
  return instancePath
    .split('/')
    .filter(Boolean)
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : `${acc}.${p}`), part);
}

/**
 * The one error handler: schema failures become 400 naming the field; `AwoError`s their code's
 * status; the rate limiter's 429 and fastify's own 4xx keep their status with a coded body;
 * anything else is a 500 whose details stay in the log.
 */
export function installErrorHandler(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler((err: FastifyError | AwoError, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const part = err.validationContext === 'querystring' ? 'query' : (err.validationContext ?? 'body');
      const issues = err.validation.map((v) => ({ path: fieldPath(part, v.instancePath), message: v.message ?? 'invalid' }));
      const first = issues[0] as { path: string; message: string };
      return reply.code(400).send(body('AWO_API_BAD_REQUEST', `${first.path}: ${first.message}`, { field: first.path, issues }));
    }
    if (err instanceof AwoError) {
      const status = statusOf(err.code);
      const details = err.details as { field?: string; issues?: { path: string; message: string }[] } | undefined;
      // Steering names a request's bad field by its path in the body (or its own name first in the message).
      if (err.code === 'AWO_REQUEST_INVALID') {
        const path = details?.issues?.[0]?.path ?? /^(?:\w+: )?([\w.[\]]+): /.exec(err.message)?.[1];
        if (path && path !== '(body)') return reply.code(400).send(body(err.code, err.message, { field: `body.${path}`, ...(details?.issues ? { issues: details.issues.map((i) => ({ path: `body.${i.path}`, message: i.message })) } : {}) }));
      }
      if (status >= 500) log.warn({ code: err.code, err: err.message, route: req.routeOptions.url }, 'API request failed');
      return reply.code(status).send(body(err.code, err.message, { ...(details?.field ? { field: details.field } : {}), ...(details?.issues ? { issues: details.issues } : {}) }));
    }
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status === 429) return reply.code(429).send(body('AWO_API_RATE_LIMITED', `too many writes for this token: ${err.message}`));
    if (status === 400 || status === 415 || status === 413) {
      // Fastify's own: a body that is not JSON, an unknown content type, a body over bodyLimit.
      return reply.code(status).send(body('AWO_API_BAD_REQUEST', `body: ${err.message}`, { field: 'body' }));
    }
    if (status >= 400 && status < 500) return reply.code(status).send(body(status === 404 ? 'AWO_API_NOT_FOUND' : 'AWO_API_BAD_REQUEST', err.message));
    log.error({ err: errorMessage(err), route: req.routeOptions.url }, 'API request failed');
    return reply.code(500).send(body('AWO_API_UNAVAILABLE', 'internal error; see the API log'));
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(body('AWO_API_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`)));
}
