import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiConfig, ApiRole } from '@awo/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { body } from './errors.js';

/** Who sent a request: the token's name and role (never the token). */
export interface Principal {
  name: string;
  role: ApiRole;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** The role a route needs; absent: the route is public (docs, OpenAPI, health). */
    role?: ApiRole;
  }
}

const RANK: Record<ApiRole, number> = { viewer: 0, operator: 1 };

const digest = (token: string) => createHash('sha256').update(token).digest();

/**
 * Bearer tokens by role. Tokens are compared by their SHA-256 digests in constant time, and only
 * the digests are kept; a request's principal is the token's name and role.
 */
export class Tokens {
  readonly #tokens: { digest: Buffer; principal: Principal }[];

  constructor(config: Pick<ApiConfig, 'tokens'>) {
    this.#tokens = config.tokens.flatMap((t) => (t.token ? [{ digest: digest(t.token), principal: { name: t.name, role: t.role } }] : []));
  }

  get size(): number {
    return this.#tokens.length;
  }

  find(token: string): Principal | undefined {
    const d = digest(token);
    let found: Principal | undefined;
    // Every token is compared, so the time taken does not say which one matched.
    for (const t of this.#tokens) if (timingSafeEqual(t.digest, d)) found = t.principal;
    return found;
  }
}

function bearer(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1];
}

/** Checks the bearer token of every route that names a role: 401 without a known token, 403 when its role is too low. */
export function installAuth(app: FastifyInstance, tokens: Tokens): void {
  app.addHook('onRequest', async (req, reply) => {
    const needed = req.routeOptions.config.role;
    if (!needed) return;
    const token = bearer(req);
    const principal = token ? tokens.find(token) : undefined;
    if (!principal) {
      reply.header('www-authenticate', 'Bearer realm="awo"');
      return reply.code(401).send(body('AWO_API_UNAUTHORIZED', token ? 'the bearer token is not one of api.tokens or AWO_API_TOKEN' : 'send Authorization: Bearer <token> (a token of api.tokens or AWO_API_TOKEN)'));
    }
    req.principal = principal;
    if (RANK[principal.role] < RANK[needed]) {
      return reply.code(403).send(body('AWO_API_FORBIDDEN', `token "${principal.name}" has the role ${principal.role}; ${req.method} ${req.routeOptions.url} needs ${needed}`));
    }
  });
}
